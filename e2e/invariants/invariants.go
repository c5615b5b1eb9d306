// Package invariants checks in the CRM's PostgreSQL database what must hold
// after any number of conversions, whatever crashed, failed over or raced on
// the way (SPEC 4.1, 4.2 and 4.6):
//
//   - every completed conversion wrote exactly one order, the one it names;
//   - no cancelled or expired conversion left an order, and no order is
//     unaccounted for by a conversion;
//   - no opportunity item was ordered beyond its quantity, and each order
//     line comes from an item of the order's own opportunity;
//   - every order written by a conversion has its change-log entries, on the
//     order and on its opportunity, and every opportunity closed since the
//     check's start time has one for its new status.
//
// The end states of the conversions come from Temporal (the caller lists
// them); everything else is read with SQL. The fault and concurrency tests of
// package e2e use it; any test that drives conversions may.
package invariants

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crmconvert/crmconvert/conversion"
)

// Conversion is one run of a conversion as Temporal reports it.
type Conversion struct {
	// Key is the conversion key its order is written under: the workflow id
	// and the id of its first run, "conversion/<org>/<opp>/<run id>".
	Key           string
	OpportunityID string
	// Step is where it stands: an end state (completed, cancelled,
	// expired) once it has ended.
	Step conversion.Step
	// OrderID is the order it saved, if it did.
	OrderID string
	// Closed is true when its close prompt closed the opportunity as won.
	Closed bool
}

// Report is what Check counted, and what it found wrong.
type Report struct {
	// Conversions counts the conversions by step (end state).
	Conversions map[conversion.Step]int
	// Orders counts the orders written by conversions, OrderItems their lines.
	Orders     int
	OrderItems int
	// OpportunityItems counts the items whose ordered quantity was summed;
	// OverOrdered those ordered beyond their quantity.
	OpportunityItems int
	OverOrdered      int
	// ClosedOpportunities counts the opportunities closed since the start time.
	ClosedOpportunities int
	// Duplicates counts orders beyond one per saved conversion: a second
	// order of one conversion, an order of a cancelled or expired one, an
	// order no conversion accounts for.
	Duplicates int
	// Violations describes each broken invariant; empty when all hold.
	Violations []string
}

// OK reports whether every invariant holds.
func (r Report) OK() bool { return len(r.Violations) == 0 }

// String is a one-line summary of the counts, for test logs.
func (r Report) String() string {
	total := 0
	var steps []string
	for _, s := range slices.Sorted(maps.Keys(r.Conversions)) {
		total += r.Conversions[s]
		steps = append(steps, fmt.Sprintf("%s %d", s, r.Conversions[s]))
	}
	return fmt.Sprintf("conversions %d (%s); orders %d with %d lines; opportunity items %d, ordered beyond their quantity %d; "+
		"closed opportunities %d; duplicates found: %d; violations: %d",
		total, strings.Join(steps, ", "), r.Orders, r.OrderItems, r.OpportunityItems, r.OverOrdered,
		r.ClosedOpportunities, r.Duplicates, len(r.Violations))
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

// Check checks the invariants in the organization's data. convs must list
// every conversion run of the organization whose orders are to be accounted
// for: an order written under a key none of them has is a violation.
// Opportunities closed before since (seeded data, say) are not asked for a
// change-log entry. An error means the check could not run; broken
// invariants are in the report.
func Check(ctx context.Context, db *sql.DB, organizationID string, convs []Conversion, since time.Time) (Report, error) {
	r := Report{Conversions: map[conversion.Step]int{}}
	for _, c := range convs {
		r.Conversions[c.Step]++
	}
	for _, check := range []func(context.Context, *sql.DB, string, []Conversion, time.Time, *Report) error{
		checkOrders, checkQuantities, checkOrderChanges, checkClosed,
	} {
		if err := check(ctx, db, organizationID, convs, since, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

type order struct {
	id, number, key, opportunityID string
}

// checkOrders matches the orders written under conversion keys with the
// conversions: one per saved conversion, none otherwise.
func checkOrders(ctx context.Context, db *sql.DB, orgID string, convs []Conversion, _ time.Time, r *Report) error {
	rows, err := db.QueryContext(ctx, `
		SELECT id::text, number, conversion_key, coalesce(opportunity_id::text, '')
		FROM orders
		WHERE organization_id = $1 AND conversion_key IS NOT NULL
		ORDER BY number`, orgID)
	if err != nil {
		return fmt.Errorf("read the orders of conversions: %w", err)
	}
	byKey := map[string][]order{}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var o order
		if err := rows.Scan(&o.id, &o.number, &o.key, &o.opportunityID); err != nil {
			return err
		}
		byKey[o.key] = append(byKey[o.key], o)
		r.Orders++
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the orders of conversions: %w", err)
	}

	known := map[string]bool{}
	for _, c := range convs {
		known[c.Key] = true
		orders := byKey[c.Key]
		switch {
		case c.Step == conversion.StepCompleted && len(orders) != 1:
			r.violate("completed conversion %s has %d orders, not 1", c.Key, len(orders))
		case c.Step == conversion.StepCancelled || c.Step == conversion.StepExpired:
			if len(orders) > 0 {
				r.violate("%s conversion %s left %d orders (%s)", c.Step, c.Key, len(orders), numbers(orders))
			}
			r.Duplicates += len(orders)
			continue
		case len(orders) > 1: // under way, or at the close prompt
			r.violate("conversion %s (%s) has %d orders", c.Key, c.Step, len(orders))
		}
		r.Duplicates += max(0, len(orders)-1)
		if c.OrderID != "" && (len(orders) == 0 || orders[0].id != c.OrderID) {
			r.violate("conversion %s names order %s, which is not the order written under its key (%s)", c.Key, c.OrderID, numbers(orders))
		}
		if c.OrderID == "" && len(orders) > 0 {
			r.violate("conversion %s (%s) names no order, yet %s was written under its key", c.Key, c.Step, numbers(orders))
		}
		for _, o := range orders {
			if o.opportunityID != c.OpportunityID {
				r.violate("order %s of conversion %s belongs to opportunity %q, not %s", o.number, c.Key, o.opportunityID, c.OpportunityID)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		if !known[key] {
			r.violate("orders %s were written under key %s, which no conversion has", numbers(byKey[key]), key)
			r.Duplicates += len(byKey[key])
		}
	}
	return nil
}

// checkQuantities sums, per opportunity item, what the orders took of it.
func checkQuantities(ctx context.Context, db *sql.DB, orgID string, _ []Conversion, _ time.Time, r *Report) error {
	rows, err := db.QueryContext(ctx, `
		SELECT count(it.id) FILTER (WHERE o.conversion_key IS NOT NULL)
		FROM opportunity_items oi
		JOIN opportunities opp ON opp.id = oi.opportunity_id
		LEFT JOIN order_items it ON it.opportunity_item_id = oi.id
		LEFT JOIN orders o ON o.id = it.order_id
		WHERE opp.organization_id = $1
		GROUP BY oi.id`, orgID)
	if err != nil {
		return fmt.Errorf("count the opportunity items: %w", err)
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var lines int
		if err := rows.Scan(&lines); err != nil {
			return err
		}
		r.OpportunityItems++
		r.OrderItems += lines
		return nil
	})
	if err != nil {
		return fmt.Errorf("count the opportunity items: %w", err)
	}

	// The comparison is PostgreSQL's, on numeric: no float in between.
	rows, err = db.QueryContext(ctx, `
		SELECT opp.number, oi.id::text, trim_scale(oi.quantity)::text, trim_scale(sum(it.quantity))::text
		FROM opportunity_items oi
		JOIN opportunities opp ON opp.id = oi.opportunity_id
		JOIN order_items it ON it.opportunity_item_id = oi.id
		WHERE opp.organization_id = $1
		GROUP BY opp.number, oi.id, oi.quantity
		HAVING sum(it.quantity) > oi.quantity
		ORDER BY opp.number, oi.id`, orgID)
	if err != nil {
		return fmt.Errorf("look for items ordered beyond their quantity: %w", err)
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var number, item, quantity, ordered string
		if err := rows.Scan(&number, &item, &quantity, &ordered); err != nil {
			return err
		}
		r.OverOrdered++
		r.violate("item %s of %s ordered beyond its quantity: %s of %s", item, number, ordered, quantity)
		return nil
	})
	if err != nil {
		return fmt.Errorf("look for items ordered beyond their quantity: %w", err)
	}

	rows, err = db.QueryContext(ctx, `
		SELECT o.number, it.id::text, oi.opportunity_id::text, coalesce(o.opportunity_id::text, '')
		FROM order_items it
		JOIN orders o ON o.id = it.order_id
		JOIN opportunity_items oi ON oi.id = it.opportunity_item_id
		WHERE o.organization_id = $1 AND o.conversion_key IS NOT NULL
		  AND oi.opportunity_id IS DISTINCT FROM o.opportunity_id
		ORDER BY o.number, it.id`, orgID)
	if err != nil {
		return fmt.Errorf("look for lines from another opportunity: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) error {
		var number, line, itemOpp, orderOpp string
		if err := rows.Scan(&number, &line, &itemOpp, &orderOpp); err != nil {
			return err
		}
		r.violate("line %s of order %s comes from opportunity %s, not the order's %q", line, number, itemOpp, orderOpp)
		return nil
	})
}

// checkOrderChanges asks of every order of a conversion one entry on the
// order that records its creation, and at least one on its opportunity
// that names it.
func checkOrderChanges(ctx context.Context, db *sql.DB, orgID string, _ []Conversion, _ time.Time, r *Report) error {
	rows, err := db.QueryContext(ctx, `
		SELECT o.number,
		       (SELECT count(*) FROM changes c
		        WHERE c.organization_id = o.organization_id AND c.object_type = 'order' AND c.object_id = o.id
		          AND c.changes -> 'number' IS NOT NULL),
		       (SELECT count(*) FROM changes c
		        WHERE c.organization_id = o.organization_id AND c.object_type = 'opportunity'
		          AND c.object_id = o.opportunity_id AND c.changes -> 'orders' ->> 'after' = o.number)
		FROM orders o
		WHERE o.organization_id = $1 AND o.conversion_key IS NOT NULL
		ORDER BY o.number`, orgID)
	if err != nil {
		return fmt.Errorf("count the change-log entries of orders: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) error {
		var number string
		var onOrder, onOpportunity int
		if err := rows.Scan(&number, &onOrder, &onOpportunity); err != nil {
			return err
		}
		if onOrder != 1 {
			r.violate("order %s has %d change-log entries of its creation, not 1", number, onOrder)
		}
		if onOpportunity < 1 {
			r.violate("the opportunity of order %s has no change-log entry naming it", number)
		}
		return nil
	})
}

// checkClosed asks of every opportunity closed since the start time a
// change-log entry of its status, and of every conversion that says it
// closed its opportunity that the opportunity is won.
func checkClosed(ctx context.Context, db *sql.DB, orgID string, convs []Conversion, since time.Time, r *Report) error {
	rows, err := db.QueryContext(ctx, `
		SELECT id::text, status FROM opportunities WHERE organization_id = $1 AND status <> 'open'`, orgID)
	if err != nil {
		return fmt.Errorf("read the closed opportunities: %w", err)
	}
	status := map[string]string{}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			return err
		}
		status[id] = st
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the closed opportunities: %w", err)
	}

	rows, err = db.QueryContext(ctx, `
		SELECT opp.number, opp.status,
		       (SELECT count(*) FROM changes c
		        WHERE c.organization_id = opp.organization_id AND c.object_type = 'opportunity'
		          AND c.object_id = opp.id AND c.changes -> 'status' ->> 'after' = opp.status)
		FROM opportunities opp
		WHERE opp.organization_id = $1 AND opp.status <> 'open' AND opp.closed_at >= $2
		ORDER BY opp.number`, orgID, since)
	if err != nil {
		return fmt.Errorf("read the opportunities closed since %s: %w", since.Format(time.RFC3339), err)
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var number, st string
		var entries int
		if err := rows.Scan(&number, &st, &entries); err != nil {
			return err
		}
		r.ClosedOpportunities++
		if entries < 1 {
			r.violate("opportunity %s was closed as %s without a change-log entry", number, st)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the opportunities closed since %s: %w", since.Format(time.RFC3339), err)
	}
	for _, c := range convs {
		if c.Closed && status[c.OpportunityID] != "won" {
			r.violate("conversion %s closed opportunity %s, which is %q, not won", c.Key, c.OpportunityID, status[c.OpportunityID])
		}
	}
	return nil
}

func scanAll(rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func numbers(orders []order) string {
	ns := make([]string, len(orders))
	for i, o := range orders {
		ns[i] = o.number
	}
	return strings.Join(ns, ", ")
}
