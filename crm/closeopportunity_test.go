package crm_test

import (
	"errors"
	"testing"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestCloseOpportunity(t *testing.T) {
	tests := []struct {
		name      string
		setup     string // SQL run on the demo data first
		oppID     string
		user      string
		want      crm.CloseResult
		forbidden bool
		status    string // the opportunity's status afterwards
		closedBy  string
		entries   int // change-log entries of the opportunity afterwards
	}{
		{name: "by its owner", oppID: demo.InitechRenewal, user: demo.Sam,
			want: crm.CloseResult{Closed: true}, status: crm.StatusWon, closedBy: demo.Sam, entries: 1},
		{name: "by an admin", oppID: demo.InitechRenewal, user: demo.Ada,
			want: crm.CloseResult{Closed: true}, status: crm.StatusWon, closedBy: demo.Ada, entries: 1},
		{name: "by a member who does not own it", oppID: demo.InitechRenewal, user: demo.Mia,
			forbidden: true, status: crm.StatusOpen},
		{name: "by its owner, a member, when an admin owns it", oppID: demo.StarkSupport, user: demo.Sam,
			forbidden: true, status: crm.StatusOpen},
		{name: "already won, by another user", oppID: demo.InitechRefresh, user: demo.Ada,
			want:   crm.CloseResult{Note: "the opportunity is already won"},
			status: crm.StatusWon, closedBy: demo.Sam},
		{name: "already won by the same user (a retry)", oppID: demo.InitechRefresh, user: demo.Sam,
			want: crm.CloseResult{Closed: true}, status: crm.StatusWon, closedBy: demo.Sam},
		{name: "already lost", oppID: demo.InitechRenewal, user: demo.Sam,
			setup: "UPDATE opportunities SET status = 'lost', closed_at = now(), closed_by = '" + demo.Sam + "' WHERE id = '" + demo.InitechRenewal + "'",
			want:  crm.CloseResult{Note: "the opportunity is already lost"}, status: crm.StatusLost, closedBy: demo.Sam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store, db := seededStore(t)
			if tt.setup != "" {
				if _, err := db.ExecContext(ctx, tt.setup); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			got, err := store.CloseOpportunity(ctx, crm.CloseOpportunity{
				OrganizationID: demo.Acme, OpportunityID: tt.oppID, UserID: tt.user, Reason: "opportunity closed as won",
			})
			if tt.forbidden {
				wantRefusal(t, err, conversion.KindForbidden)
			} else if err != nil {
				t.Fatalf("CloseOpportunity: %v", err)
			}
			if got != tt.want {
				t.Errorf("CloseOpportunity = %+v, want %+v", got, tt.want)
			}
			opp, err := store.Opportunity(ctx, demo.Acme, tt.oppID)
			if err != nil {
				t.Fatalf("Opportunity: %v", err)
			}
			if opp.Status != tt.status || opp.ClosedBy != tt.closedBy || (opp.ClosedAt == nil) != (tt.closedBy == "") {
				t.Errorf("opportunity status %s, closed by %q at %v; want %s, closed by %q", opp.Status, opp.ClosedBy, opp.ClosedAt, tt.status, tt.closedBy)
			}
			entries, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOpportunity, tt.oppID)
			if err != nil {
				t.Fatalf("ChangeLog: %v", err)
			}
			if len(entries) != tt.entries {
				t.Fatalf("%d change-log entries, want %d", len(entries), tt.entries)
			}
			if tt.entries > 0 {
				e := entries[0]
				c := e.Changes["status"]
				if e.Reason != "opportunity closed as won" || e.UserID != tt.user || c.Before != "open" || c.After != "won" {
					t.Errorf("change-log entry = %+v, want status open → won by %s", e, tt.user)
				}
			}
		})
	}
}

func TestCloseOpportunityTwice(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	req := crm.CloseOpportunity{OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, UserID: demo.Sam, Reason: "closed"}
	for i := range 2 {
		got, err := store.CloseOpportunity(ctx, req)
		if err != nil {
			t.Fatalf("CloseOpportunity %d: %v", i, err)
		}
		if !got.Closed {
			t.Errorf("CloseOpportunity %d = %+v, want closed", i, got)
		}
	}
	if n := count(t, db, "changes", ""); n != 1 {
		t.Errorf("%d change-log entries, want 1", n)
	}

	// Someone else closing it later is told it was closed already.
	got, err := store.CloseOpportunity(ctx, crm.CloseOpportunity{OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, UserID: demo.Ada})
	if err != nil || got != (crm.CloseResult{Note: "the opportunity is already won"}) {
		t.Errorf("CloseOpportunity by another user = %+v, %v; want not closed, already won", got, err)
	}
}

func TestCloseOpportunityOfAnotherOrganizationIsNotFound(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	tests := []crm.CloseOpportunity{
		{OrganizationID: demo.Globex, OpportunityID: demo.InitechRenewal, UserID: demo.Gus},
		{OrganizationID: demo.Acme, OpportunityID: demo.SoylentSupply, UserID: demo.Ada},
		{OrganizationID: demo.Acme, OpportunityID: "not-a-uuid", UserID: demo.Ada},
	}
	for _, req := range tests {
		if _, err := store.CloseOpportunity(ctx, req); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("CloseOpportunity(%+v) = %v, want ErrNotFound", req, err)
		}
	}
	opp, err := store.Opportunity(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil || opp.Status != crm.StatusOpen {
		t.Errorf("OPP-000001 after refused closes: %v, %v; want open", opp.Status, err)
	}
}
