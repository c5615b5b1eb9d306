package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/workflows"
)

// How long DELETE waits for the workflow to confirm a cancel, and how often it looks.
const (
	cancelWait = 2 * time.Second
	cancelPoll = 20 * time.Millisecond
)

var errNoOrderCreate = typeForbidden.with("converting opportunities needs the order:create permission")

// startConversion starts the conversion of an opportunity, or resumes the
// caller's own: 201 when it started, 200 when resumed.
func (s *Server) startConversion(c *gin.Context) error {
	u := callerOf(c)
	if !u.Can(crm.PermOrderCreate) {
		return errNoOrderCreate
	}
	oppID, err := pathID(c, "opportunity")
	if err != nil {
		return err
	}
	if err := refuseBody(c); err != nil {
		return err
	}
	id, err := updateID(c, u.ID, workflows.UpdateOpen)
	if err != nil {
		return err
	}
	wid := noteWorkflow(c, workflows.WorkflowID(u.OrganizationID, oppID))
	ctx := c.Request.Context()
	// What a new conversion starts from is read here, where the opportunity
	// is checked and names the run, and handed to the workflow, so that it
	// is read once.
	snap, err := s.store.ConversionSnapshot(ctx, u.OrganizationID, oppID, u.ID)
	if errors.Is(err, crm.ErrNotFound) {
		return typeNotFound.with("no opportunity " + oppID)
	}
	if err != nil {
		return fmt.Errorf("read opportunity %s: %w", oppID, err)
	}
	if refusal := snap.Opportunity.Convertible(); refusal != nil {
		// The caller's own conversion under way stays reachable even when
		// nothing remains to convert, its order being saved already.
		if st, err := s.activeState(ctx, wid); err == nil && st.StartedBy.ID == u.ID {
			return writeConversion(c, http.StatusOK, st)
		}
		return refusal
	}

	res, err := s.open(ctx, u, snap, id)
	if err != nil {
		return err
	}
	if !res.Created {
		return writeConversion(c, http.StatusOK, &res.State)
	}
	c.Header("Location", c.Request.URL.Path)
	return writeConversion(c, http.StatusCreated, &res.State)
}

// getConversion shows the opportunity's active conversion to its starter or an admin.
func (s *Server) getConversion(c *gin.Context) error {
	u := callerOf(c)
	wid, err := conversionID(c)
	if err != nil {
		return err
	}
	st, err := s.activeState(c.Request.Context(), wid)
	if err != nil {
		return err
	}
	if !mayRead(st, u.ID, u.IsAdmin()) {
		return typeForbidden.with("only " + st.StartedBy.Name + ", who started this conversion, or an admin may see it")
	}
	return writeConversion(c, http.StatusOK, st)
}

// cancelConversion cancels the active conversion (its starter or an admin),
// then waits briefly for the workflow to confirm: 200 with the cancelled
// conversion, or 202 with its state if it has not confirmed yet.
func (s *Server) cancelConversion(c *gin.Context) error {
	u := callerOf(c)
	wid, err := conversionID(c)
	if err != nil {
		return err
	}
	if err := refuseBody(c); err != nil {
		return err
	}
	ctx := c.Request.Context()
	st, err := s.activeState(ctx, wid)
	if err != nil {
		return err
	}
	if !mayRead(st, u.ID, u.IsAdmin()) {
		return typeForbidden.with("only " + st.StartedBy.Name + ", who started this conversion, or an admin may cancel it")
	}
	if err := cancellable(st); err != nil {
		return err
	}
	err = s.temporal.SignalWorkflow(ctx, wid, "", workflows.SignalCancel, workflows.CancelRequest{Actor: u.ID})
	if err != nil {
		return workflowError(err)
	}
	for deadline := time.Now().Add(cancelWait); time.Now().Before(deadline); {
		if st, err = s.state(ctx, wid); err != nil {
			return err
		}
		if st.Step == conversion.StepCancelled {
			return writeConversion(c, http.StatusOK, st)
		}
		if err := cancellable(st); err != nil {
			return err // saved or ended meanwhile: the signal was ignored
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cancelPoll):
		}
	}
	return writeConversion(c, http.StatusAccepted, st)
}

func cancellable(st *conversion.State) error {
	if st.Saving || !st.Step.Allows(conversion.ActionCancel) {
		return typeWrongStep.with(fmt.Sprintf("the conversion cannot be cancelled at step %s", st.Step))
	}
	return nil
}

func (s *Server) putMapping(c *gin.Context) error {
	return s.step(c, workflows.UpdateMapping, func(req workflows.Request) (any, error) {
		var body mappingRequest
		if err := decodeBody(c, &body); err != nil {
			return nil, err
		}
		if body.Mapping == nil {
			return nil, required("mapping")
		}
		return workflows.MappingRequest{Request: req, Mapping: body.Mapping}, nil
	})
}

func (s *Server) putItems(c *gin.Context) error {
	return s.step(c, workflows.UpdateItems, func(req workflows.Request) (any, error) {
		var body itemsRequest
		if err := decodeBody(c, &body); err != nil {
			return nil, err
		}
		if body.Items == nil {
			return nil, required("items")
		}
		picks, err := body.picks()
		if err != nil {
			return nil, err
		}
		return workflows.ItemsRequest{Request: req, Items: picks}, nil
	})
}

func (s *Server) patchDraft(c *gin.Context) error {
	orgID := callerOf(c).OrganizationID
	customerExists := func(ctx context.Context, id string) (bool, error) {
		return s.store.CustomerInOrganization(ctx, orgID, id)
	}
	return s.step(c, workflows.UpdateDraft, func(req workflows.Request) (any, error) {
		v, err := readJSON(c)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, typeMalformed.with("the request needs a JSON body")
		}
		patch, err := draftPatch(c.Request.Context(), v, customerExists)
		if err != nil {
			return nil, err
		}
		return workflows.DraftRequest{Request: req, Patch: patch}, nil
	})
}

func (s *Server) save(c *gin.Context) error {
	return s.step(c, workflows.UpdateSave, func(req workflows.Request) (any, error) {
		return req, refuseBody(c)
	})
}

func (s *Server) closeDecision(c *gin.Context) error {
	return s.step(c, workflows.UpdateClose, func(req workflows.Request) (any, error) {
		var body closeRequest
		if err := decodeBody(c, &body); err != nil {
			return nil, err
		}
		if body.Close == nil {
			return nil, required("close")
		}
		return workflows.CloseRequest{Request: req, Close: *body.Close}, nil
	})
}

func (s *Server) back(c *gin.Context) error {
	return s.step(c, workflows.UpdateBack, func(req workflows.Request) (any, error) {
		return req, refuseBody(c)
	})
}

// step sends one step of the caller's conversion as the named Update and
// answers with the new state. arg reads the request's body into the
// Update's argument around the Request every step carries.
func (s *Server) step(c *gin.Context, update string, arg func(workflows.Request) (any, error)) error {
	u := callerOf(c)
	if !u.Can(crm.PermOrderCreate) {
		return errNoOrderCreate
	}
	wid, err := conversionID(c)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	id, err := updateID(c, u.ID, update)
	if err != nil {
		return err
	}
	a, err := arg(workflows.Request{Actor: u.ID, IfVersion: ifVersion})
	if err != nil {
		return err
	}
	st, err := s.update(c.Request.Context(), wid, update, id, a)
	if err != nil {
		return fmt.Errorf("%s on conversion %s: %w", update, wid, err)
	}
	return writeConversion(c, http.StatusOK, st)
}
