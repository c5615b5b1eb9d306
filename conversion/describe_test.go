package conversion

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	at := time.Date(2026, 12, 18, 16, 25, 0, 0, time.UTC)
	opp := &Opportunity{Number: "OPP-000001", Name: "Renewal"}
	base := State{StartedBy: User{Name: "Sam"}, Opportunity: opp, ExpiresAt: at}
	draft := &Draft{Header: map[string]string{"currency": "EUR"}, Lines: []Line{{}}, Totals: Totals{Total: d("64.2")}}
	cases := []struct {
		edit func(*State)
		want string
	}{
		{func(s *State) { s.Step = StepMapping }, "Step 1 of 4: waiting for Sam to map the fields of OPP-000001 Renewal. Expires 2026-12-18 16:25 UTC if left idle."},
		{func(s *State) { s.Step, s.Draft = StepDraft, draft }, "Step 3 of 4: waiting for Sam to edit and save the order (1 line, total 64.20 EUR). Expires 2026-12-18 16:25 UTC if left idle."},
		{func(s *State) { s.Step, s.Draft, s.Saving = StepDraft, draft, true }, "Saving the order of OPP-000001 Renewal for Sam; retrying until the database takes it."},
		{func(s *State) { s.Step, s.Order = StepClosePrompt, &OrderRef{Number: "SO-2026-000001"} }, "Step 4 of 4: order SO-2026-000001 saved; waiting for Sam to answer whether to close OPP-000001 Renewal as won. Expires 2026-12-18 16:25 UTC if left idle."},
		{func(s *State) { s.Step = StepExpired }, "expired: no order was made from OPP-000001 Renewal."},
	}
	for _, tc := range cases {
		s := base
		tc.edit(&s)
		require.Equal(t, tc.want, Describe(&s))
	}
}
