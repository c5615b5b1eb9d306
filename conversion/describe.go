package conversion

import "fmt"

// Describe says in a sentence where the conversion stands and what it waits
// for; operators read it in the Temporal UI as the workflow's current details.
func Describe(s *State) string {
	who := s.StartedBy.Name
	opp := "the opportunity"
	if s.Opportunity != nil {
		opp = s.Opportunity.Number + " " + s.Opportunity.Name
	}
	expires := s.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	switch {
	case s.Step == "":
		return fmt.Sprintf("Reading %s for %s.", opp, who)
	case s.Saving && s.Step == StepDraft:
		return fmt.Sprintf("Saving the order of %s for %s; retrying until the database takes it.", opp, who)
	case s.Step == StepMapping:
		return fmt.Sprintf("Step 1 of 4: waiting for %s to map the fields of %s. Expires %s if left idle.", who, opp, expires)
	case s.Step == StepProducts:
		return fmt.Sprintf("Step 2 of 4: waiting for %s to pick the products of %s. Expires %s if left idle.", who, opp, expires)
	case s.Step == StepDraft:
		lines := "1 line"
		if n := len(s.Draft.Lines); n != 1 {
			lines = fmt.Sprintf("%d lines", n)
		}
		return fmt.Sprintf("Step 3 of 4: waiting for %s to edit and save the order (%s, total %s %s). Expires %s if left idle.",
			who, lines, s.Draft.Totals.Total.StringFixed(MinorUnits(s.Draft.Currency())), s.Draft.Currency(), expires)
	case s.Step == StepClosePrompt:
		return fmt.Sprintf("Step 4 of 4: order %s saved; waiting for %s to answer whether to close %s as won. Expires %s if left idle.",
			s.Order.Number, who, opp, expires)
	case s.Step == StepCompleted && s.Order != nil:
		return fmt.Sprintf("Completed: order %s made from %s by %s.", s.Order.Number, opp, who)
	default:
		return fmt.Sprintf("%s: no order was made from %s.", s.Step, opp)
	}
}
