package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/workflows"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

var errNoConversion = typeNotFound.with("no active conversion")

// pathID is the id in the path, in its canonical form; a string that is no
// UUID names nothing (404).
func pathID(c *gin.Context, object string) (string, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return "", typeNotFound.with("no " + object + " " + c.Param("id"))
	}
	return id.String(), nil
}

// conversionID is the workflow id of the conversion of the opportunity in
// the path, in the caller's organization. It never comes from the client.
func conversionID(c *gin.Context) (string, error) {
	oppID, err := pathID(c, "opportunity")
	if err != nil {
		return "", err
	}
	return noteWorkflow(c, workflows.WorkflowID(callerOf(c).OrganizationID, oppID)), nil
}

// workflowIDKey holds, in the request's context, the id of the conversion
// the request acts on, for the access log.
const workflowIDKey = "crmconvert.workflow_id"

// noteWorkflow records the conversion a request acts on, for the access log.
func noteWorkflow(c *gin.Context, workflowID string) string {
	c.Set(workflowIDKey, workflowID)
	return workflowID
}

// ifMatch reads If-Match: "<version>" (or a bare version); nil when absent or *.
func ifMatch(c *gin.Context) (*int, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	h = strings.TrimPrefix(h, "W/")
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = h[1 : len(h)-1]
	}
	v, err := strconv.Atoi(h)
	if err != nil || v < 0 {
		return nil, typeMalformed.with(`If-Match must name one version, such as "3"`,
			conversion.FieldError{Field: "If-Match", Message: "not a version"})
	}
	return &v, nil
}

// updateID is the id of the Update that carries a step: the client's
// Idempotency-Key prefixed with the caller and the action, so that two users
// or two actions never share one, else a new UUID.
func updateID(c *gin.Context, userID, action string) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return uuid.NewString(), nil
	}
	if !printable(key, maxIdempotencyKey) {
		return "", typeMalformed.with("Idempotency-Key must be 1 to 200 printable ASCII characters",
			conversion.FieldError{Field: "Idempotency-Key", Message: "not a valid key"})
	}
	return userID + "/" + action + "/" + key, nil
}

// open starts the conversion of the snapshot's opportunity for the user, or
// resumes the one under way, with Update-With-Start.
func (s *Server) open(ctx context.Context, u *crm.User, snap *conversion.Snapshot, updateID string) (*workflows.OpenResult, error) {
	actor := conversion.User{ID: u.ID, Name: u.Name}
	opts, in := workflows.StartOptions(s.cfg.TaskQueue, u.OrganizationID, snap, actor, s.cfg.IdleTimeout)
	start := s.temporal.NewWithStartWorkflowOperation(opts, workflows.WorkflowName, in)
	handle, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateOpen,
			UpdateID:     updateID,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.OpenRequest{Actor: actor}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start conversion %s: %w", opts.ID, err)
	}
	var res workflows.OpenResult
	if err := handle.Get(ctx, &res); err != nil {
		return nil, fmt.Errorf("open conversion %s: %w", opts.ID, err)
	}
	return &res, nil
}

// update sends a step to the conversion and waits for the new state.
func (s *Server) update(ctx context.Context, workflowID, name, id string, arg any) (*conversion.State, error) {
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   name,
		UpdateID:     id,
		WaitForStage: client.WorkflowUpdateStageCompleted,
		Args:         []any{arg},
	})
	if err != nil {
		return nil, workflowError(err)
	}
	var st conversion.State
	if err := handle.Get(ctx, &st); err != nil {
		return nil, workflowError(err)
	}
	return &st, nil
}

// state queries the conversion's state, whether it is under way or ended.
func (s *Server) state(ctx context.Context, workflowID string) (*conversion.State, error) {
	return s.query(ctx, workflowID, enums.QUERY_REJECT_CONDITION_NONE)
}

// activeState is the state of the conversion under way; errNoConversion when
// there is none. An ended run is not asked, so no worker has to replay it.
func (s *Server) activeState(ctx context.Context, workflowID string) (*conversion.State, error) {
	st, err := s.query(ctx, workflowID, enums.QUERY_REJECT_CONDITION_NOT_OPEN)
	if err != nil {
		return nil, err
	}
	if st.Status() != conversion.StatusOpen {
		return nil, errNoConversion
	}
	return st, nil
}

func (s *Server) query(ctx context.Context, workflowID string, reject enums.QueryRejectCondition) (*conversion.State, error) {
	resp, err := s.temporal.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{
		WorkflowID:           workflowID,
		QueryType:            workflows.QueryState,
		QueryRejectCondition: reject,
	})
	if err != nil {
		return nil, workflowError(err)
	}
	if resp.QueryRejected != nil {
		return nil, errNoConversion
	}
	var st conversion.State
	if err := resp.QueryResult.Get(&st); err != nil {
		return nil, fmt.Errorf("read the state of conversion %s: %w", workflowID, err)
	}
	return &st, nil
}

// workflowError says "no active conversion" for a workflow that does not
// exist or has ended.
func workflowError(err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return errNoConversion
	}
	return err
}

// writeConversion answers with the conversion and its version as ETag.
func writeConversion(c *gin.Context, status int, st *conversion.State) error {
	c.Header("ETag", `"`+strconv.Itoa(st.Version)+`"`)
	c.JSON(status, renderConversion(st))
	return nil
}

// mayRead reports whether the user may read and cancel the conversion: its
// starter, or an admin of the organization (the workflow id is the caller's
// organization's).
func mayRead(st *conversion.State, userID string, admin bool) bool {
	return admin || st.StartedBy.ID == userID
}
