package conversion

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// User names the user who started a conversion.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OrderRef names the order a conversion saved.
type OrderRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// ClosePrompt is the question asked after save, and its answer once given.
type ClosePrompt struct {
	Question string `json:"question"`
	Answer   *bool  `json:"answer,omitempty"`
	// Closed is true when the opportunity was closed as won by this answer.
	Closed bool `json:"closed"`
	// Note says why the opportunity was not closed despite a yes (it was closed meanwhile).
	Note string `json:"note,omitempty"`
}

// State is everything a conversion knows. The workflow owns it; queries and
// Updates return it; the API renders it.
type State struct {
	WorkflowID     string    `json:"workflow_id"`
	OrganizationID string    `json:"organization_id"`
	OpportunityID  string    `json:"opportunity_id"`
	Step           Step      `json:"step"`
	Version        int       `json:"version"`
	StartedBy      User      `json:"started_by"`
	StartedAt      time.Time `json:"started_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	// Saving is true while the order is being written.
	Saving bool `json:"saving,omitempty"`

	// Opportunity is nil until the snapshot is loaded.
	Opportunity *Opportunity `json:"opportunity,omitempty"`
	Catalog     Catalog      `json:"catalog"`
	Mapping     Mapping      `json:"mapping"`
	// MappingAccepted is false while Mapping is only the proposal.
	MappingAccepted bool                `json:"mapping_accepted"`
	Picks           []Pick              `json:"picks,omitempty"`
	HeaderEdits     map[string]string   `json:"header_edits,omitempty"`
	LineEdits       map[string]LineEdit `json:"line_edits,omitempty"`
	Draft           *Draft              `json:"draft,omitempty"`
	Order           *OrderRef           `json:"order,omitempty"`
	ClosePrompt     *ClosePrompt        `json:"close_prompt,omitempty"`
}

// Status is the conversion's status, derived from its step.
func (s *State) Status() Status { return s.Step.Status() }

// Loaded reports whether the opportunity snapshot is in.
func (s *State) Loaded() bool { return s.Opportunity != nil }

// Load puts the snapshot in and opens the mapping step with its proposal.
func (s *State) Load(opp *Opportunity, custom []CustomField, remembered Mapping) {
	s.Opportunity = opp
	s.Catalog = NewCatalog(custom)
	s.Mapping = s.Catalog.Propose(remembered)
	s.Step = StepMapping
}

// Check is the gate every step passes first: the conversion is still open,
// the actor started it, the action fits the step, no save is under way, and
// If-Match, when sent, names the current version.
func (s *State) Check(actor string, a Action, ifVersion *int) error {
	switch {
	case s.Step.Ended():
		return Refuse(KindWrongStep, "the conversion is %s", s.Step)
	case actor != s.StartedBy.ID:
		return Refuse(KindForbidden, "only %s, who started this conversion, may act on it", s.StartedBy.Name)
	case s.Saving:
		return Refuse(KindWrongStep, "the order is being saved")
	case !s.Step.Allows(a):
		return Refuse(KindWrongStep, "%s is not possible at step %s; possible: %s", a, s.Step, joinActions(s.Step.AllowedActions()))
	case ifVersion != nil && *ifVersion != s.Version:
		return Refuse(KindStale, "the conversion has changed: version %d, not %d", s.Version, *ifVersion)
	}
	return nil
}

func joinActions(as []Action) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// ValidateMapping checks a mapping against the conversion's catalog.
func (s *State) ValidateMapping(m Mapping) error { return s.Catalog.Validate(m) }

// SetMapping accepts a mapping and moves on to products.
func (s *State) SetMapping(m Mapping, today string) error {
	if err := s.ValidateMapping(m); err != nil {
		return err
	}
	s.Mapping = m
	s.MappingAccepted = true
	s.Step = StepProducts
	s.rebuildDraft(today)
	return nil
}

// ValidatePicks checks the products step: at least one item, each an item of
// the opportunity once, with a quantity above zero and within what remains.
func (s *State) ValidatePicks(picks []Pick) error {
	var errs fieldErrors
	if len(picks) == 0 {
		errs.add("items", "at least one item must be checked")
	}
	if len(picks) > MaxLines {
		errs.add("items", "at most %d items", MaxLines)
	}
	seen := map[string]bool{}
	for i, p := range picks {
		at := "items[" + strconv.Itoa(i) + "]"
		it, ok := s.Opportunity.Item(p.OpportunityItemID)
		if !ok {
			errs.add(at+".opportunity_item_id", "not an item of opportunity %s", s.Opportunity.Number)
			continue
		}
		if seen[it.ID] {
			errs.add(at+".opportunity_item_id", "checked twice")
			continue
		}
		seen[it.ID] = true
		if msg := checkQuantity(p.Quantity, it.Remaining); msg != "" {
			errs.add(at+".quantity", "%s", msg)
		}
	}
	return errs.err("the selected items are not valid")
}

func checkQuantity(q, remaining decimal.Decimal) string {
	switch {
	case !q.IsPositive():
		return "must be more than 0"
	case q.GreaterThan(remaining):
		return "at most " + remaining.String() + " remain"
	}
	return checkAmount(q)
}

// SetPicks accepts the picked items and moves on to the draft, keeping the
// edits of lines that stay.
func (s *State) SetPicks(picks []Pick, today string) error {
	if err := s.ValidatePicks(picks); err != nil {
		return err
	}
	s.Picks = append([]Pick(nil), picks...)
	s.Step = StepDraft
	s.rebuildDraft(today)
	return nil
}

// DraftPatch is an edit of the draft: header fields by name ("title",
// "custom.region"; "" clears) and line changes.
type DraftPatch struct {
	Header map[string]string `json:"header,omitempty"`
	Lines  []LinePatch       `json:"lines,omitempty"`
}

// LinePatch changes, adds or removes one line, named by its opportunity item.
type LinePatch struct {
	OpportunityItemID string           `json:"opportunity_item_id"`
	Quantity          *decimal.Decimal `json:"quantity,omitempty"`
	UnitPrice         *decimal.Decimal `json:"unit_price,omitempty"`
	DiscountPercent   *decimal.Decimal `json:"discount_percent,omitempty"`
	Remove            bool             `json:"remove,omitempty"`
}

// ValidatePatch checks a draft edit: known fields with values of their type,
// lines of the opportunity with quantities within what remains, prices not
// negative, discounts from 0 to 100, and at least one line left.
func (s *State) ValidatePatch(p DraftPatch) error {
	var errs fieldErrors
	for _, name := range sortedKeys(p.Header) {
		t, ok := s.Catalog.HeaderType(name)
		if !ok {
			errs.add(name, "not an editable order field")
			continue
		}
		if msg := ValidateValue(t, name, p.Header[name]); msg != "" {
			errs.add(name, "%s", msg)
		}
	}
	picked := map[string]bool{}
	for _, pk := range s.Picks {
		picked[pk.OpportunityItemID] = true
	}
	for i, l := range p.Lines {
		at := "lines[" + strconv.Itoa(i) + "]"
		it, ok := s.Opportunity.Item(l.OpportunityItemID)
		if !ok {
			errs.add(at+".opportunity_item_id", "not an item of opportunity %s", s.Opportunity.Number)
			continue
		}
		if l.Remove {
			picked[it.ID] = false
			continue
		}
		if !picked[it.ID] && l.Quantity == nil {
			errs.add(at+".quantity", "a new line needs a quantity")
		}
		picked[it.ID] = true
		if l.Quantity != nil {
			if msg := checkQuantity(*l.Quantity, it.Remaining); msg != "" {
				errs.add(at+".quantity", "%s", msg)
			}
		}
		if l.UnitPrice != nil {
			if l.UnitPrice.IsNegative() {
				errs.add(at+".unit_price", "must not be negative")
			} else if msg := checkAmount(*l.UnitPrice); msg != "" {
				errs.add(at+".unit_price", "%s", msg)
			}
		}
		if d := l.DiscountPercent; d != nil && (d.IsNegative() || d.GreaterThan(hundred) || checkAmount(*d) != "") {
			errs.add(at+".discount_percent", "must be from 0 to 100, with at most %d decimal places", maxScale)
		}
	}
	left := 0
	for _, id := range sortedKeys(picked) {
		if picked[id] {
			left++
		}
	}
	if left == 0 {
		errs.add("lines", "the order needs at least one line")
	}
	if left > MaxLines {
		errs.add("lines", "at most %d lines", MaxLines)
	}
	return errs.err("the draft edit is not valid")
}

// ApplyPatch edits the draft.
func (s *State) ApplyPatch(p DraftPatch, today string) error {
	if err := s.ValidatePatch(p); err != nil {
		return err
	}
	if s.HeaderEdits == nil {
		s.HeaderEdits = map[string]string{}
	}
	for _, k := range sortedKeys(p.Header) {
		s.HeaderEdits[k] = p.Header[k]
	}
	if s.LineEdits == nil {
		s.LineEdits = map[string]LineEdit{}
	}
	for _, l := range p.Lines {
		if l.Remove {
			s.removePick(l.OpportunityItemID)
			continue
		}
		if l.Quantity != nil {
			s.setPick(l.OpportunityItemID, *l.Quantity)
		}
		e := s.LineEdits[l.OpportunityItemID]
		if l.UnitPrice != nil {
			e.UnitPrice = l.UnitPrice
		}
		if l.DiscountPercent != nil {
			e.DiscountPercent = l.DiscountPercent
		}
		s.LineEdits[l.OpportunityItemID] = e
	}
	s.rebuildDraft(today)
	return nil
}

func (s *State) removePick(itemID string) {
	kept := s.Picks[:0]
	for _, p := range s.Picks {
		if p.OpportunityItemID != itemID {
			kept = append(kept, p)
		}
	}
	s.Picks = kept
}

func (s *State) setPick(itemID string, q decimal.Decimal) {
	for i := range s.Picks {
		if s.Picks[i].OpportunityItemID == itemID {
			s.Picks[i].Quantity = q
			return
		}
	}
	s.Picks = append(s.Picks, Pick{OpportunityItemID: itemID, Quantity: q})
}

// ValidateSave checks what the order needs before it is written: a customer,
// a currency and at least one line.
func (s *State) ValidateSave() error {
	var errs fieldErrors
	if s.Draft == nil || len(s.Draft.Lines) == 0 {
		errs.add("lines", "the order needs at least one line")
		return errs.err("the order cannot be saved yet")
	}
	if s.Draft.Header["customer_id"] == "" {
		errs.add("customer_id", "a customer is required: map it or set it in the draft")
	}
	if s.Draft.Header["currency"] == "" {
		errs.add("currency", "a currency is required: map it or set it in the draft")
	}
	return errs.err("the order cannot be saved yet")
}

// Back returns to the previous step, keeping what was entered.
func (s *State) Back() error {
	prev, ok := s.Step.Previous()
	if !ok {
		return Refuse(KindWrongStep, "there is no step before %s", s.Step)
	}
	s.Step = prev
	return nil
}

// Saved records the order and moves on: to the close prompt when the user may
// close the opportunity, else straight to completed.
func (s *State) Saved(order OrderRef, mayClose bool) {
	s.Order = &order
	s.Saving = false
	if mayClose {
		s.Step = StepClosePrompt
		s.ClosePrompt = &ClosePrompt{Question: "Close opportunity " + s.Opportunity.Number + " as won?"}
		return
	}
	s.Step = StepCompleted
}

// CloseAnswered records the answer to the close prompt and completes the conversion.
func (s *State) CloseAnswered(answer, closed bool, note string) {
	s.ClosePrompt.Answer = &answer
	s.ClosePrompt.Closed = closed
	s.ClosePrompt.Note = note
	s.Step = StepCompleted
}

// End puts the conversion in an end state (cancelled or expired).
func (s *State) End(step Step) { s.Step = step; s.Saving = false }

// Touch records a change: a new version, and the idle deadline moved on.
func (s *State) Touch(now time.Time, idle time.Duration) {
	s.Version++
	s.UpdatedAt = now
	s.ExpiresAt = now.Add(idle)
}

func (s *State) rebuildDraft(today string) {
	if !s.MappingAccepted && len(s.Picks) == 0 {
		return
	}
	s.Draft = buildDraft(s.Opportunity, s.Mapping, s.HeaderEdits, s.Picks, s.LineEdits, today)
}
