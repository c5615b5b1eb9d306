package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// What operators see of a conversion: its identity goes with the first
// step's upsert unless the start gave it, and its memo is set only when the
// start did not give it (the API does). Each step upserts once: each upsert
// is a write to visibility.
func TestPublishesWhatOperatorsSee(t *testing.T) {
	for _, tc := range []struct {
		name           string
		memo, identity bool // given at the start
	}{
		{"started by the API", true, false},
		{"started with its identity", true, true},
		{"started bare", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.bare = !tc.memo
			if tc.memo {
				snap := testSnapshot()
				opts, _ := StartOptions("queue", "org-1", &snap, alice, 0)
				require.NoError(t, h.env.SetMemoOnStart(opts.Memo))
			}
			if tc.identity {
				require.NoError(t, h.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
					identity("org-1", "opp-1", alice.ID)...)))
			}
			var upserts []temporal.SearchAttributes
			h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
				upserts = append(upserts, args.Get(0).(temporal.SearchAttributes))
			}).Return(nil)
			var memos []map[string]any
			h.env.OnUpsertMemo(mock.Anything).Run(func(args mock.Arguments) {
				memos = append(memos, args.Get(0).(map[string]any))
			}).Return(nil).Maybe()

			h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
			h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(t))
			h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
			h.run(Input{})

			require.Len(t, upserts, 3, "one upsert when loaded, one per step, one when cancelled")
			steps := make([]string, len(upserts))
			for i, u := range upserts {
				steps[i], _ = u.GetKeyword(AttrStep)
			}
			require.Equal(t, []string{"mapping", "products", "cancelled"}, steps)

			org, published := upserts[0].GetKeyword(AttrOrganizationID)
			require.Equal(t, !tc.identity, published, "the identity is upserted only when the start did not give it")
			if published {
				require.Equal(t, "org-1", org)
				user, _ := upserts[0].GetKeyword(AttrUserID)
				require.Equal(t, alice.ID, user)
			}
			for _, u := range upserts[1:] {
				require.False(t, u.ContainsKey(AttrOrganizationID), "the identity is published once")
			}
			if tc.memo {
				require.Empty(t, memos)
			} else {
				require.Len(t, memos, 1)
				require.Equal(t, "OPP-000001", memos[0][MemoOpportunityNumber])
				require.Equal(t, alice.Name, memos[0][MemoStartedByName])
			}
		})
	}
}

// A conversion that cannot start (here, nothing to convert) ends cancelled
// and says so with its identity, so operators find it by user and
// opportunity.
func TestAConversionThatCannotStartIsStillFound(t *testing.T) {
	h := newHarness(t)
	h.snapshot.Opportunity.Items = nil
	var upserts []temporal.SearchAttributes
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		upserts = append(upserts, args.Get(0).(temporal.SearchAttributes))
	}).Return(nil)
	h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) { require.Error(t, o.err) })
	h.execute(Input{})
	require.Error(t, h.env.GetWorkflowError())

	require.Len(t, upserts, 1)
	step, _ := upserts[0].GetKeyword(AttrStep)
	require.Equal(t, "cancelled", step)
	user, _ := upserts[0].GetKeyword(AttrUserID)
	require.Equal(t, alice.ID, user)
	opp, _ := upserts[0].GetKeyword(AttrOpportunityID)
	require.Equal(t, "opp-1", opp)
}
