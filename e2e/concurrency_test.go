package e2e

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// The concurrency run's size: CI runs the reduced one; the full one runs
// with -faults.full or CRMCONVERT_FULL_FAULTS=1 (see the README).
var fullFaults = flag.Bool("faults.full", false,
	"run TestConcurrentConversionsKeepTheInvariants with 50 conversions instead of 12 (or set CRMCONVERT_FULL_FAULTS=1)")

const (
	reducedConversions = 12
	fullConversions    = 50
	// shortIdle is the idle timeout of the second API, through which the
	// conversions that are left to expire are started.
	shortIdle = 10 * time.Second
)

func concurrentConversions() int {
	if *fullFaults || os.Getenv("CRMCONVERT_FULL_FAULTS") == "1" {
		return fullConversions
	}
	return reducedConversions
}

// loadUsers names the users of the concurrency run's data.
type loadUsers struct {
	owners []string // members with both permissions, each owning opportunities
	member string   // order:create only, owns nothing: converts without a close prompt
	admin  string   // may close anyone's opportunity
}

// loadData is the concurrency run's data file: demo.Generate's organization
// with four owners, plus a member who owns nothing and an admin, and n
// opportunities (and a few spare) of three items with quantities 2 to 9.
func loadData(n int) (*crm.SeedData, loadUsers) {
	d := demo.Generate(demo.Generated{Organization: "Concurrency run", Users: 4,
		OpportunitiesPerUser: n/4 + 1, ItemsPerOpportunity: 3})
	org := d.Organizations[0].ID
	var users loadUsers
	for _, u := range d.Users {
		users.owners = append(users.owners, u.ID)
	}
	users.member, users.admin = "b2000000-0000-4000-8000-000000000001", "b2000000-0000-4000-8000-000000000002"
	d.Users = append(d.Users,
		crm.SeedUser{ID: users.member, OrganizationID: org, Name: "Nia Member", Email: "nia@concurrency.test",
			Role: crm.RoleMember, Permissions: []string{crm.PermOrderCreate}},
		crm.SeedUser{ID: users.admin, OrganizationID: org, Name: "Ari Admin", Email: "ari@concurrency.test",
			Role: crm.RoleAdmin, Permissions: []string{crm.PermOrderCreate, crm.PermOrderUpdate}})
	for i := range d.Opportunities {
		for j := range d.Opportunities[i].Items {
			d.Opportunities[i].Items[j].Quantity = strconv.Itoa(2 + (i*3+j*5)%8)
		}
	}
	return d, users
}

// planKind is what one conversion of the run does. Every kind appears in
// the reduced run; the full one has each five or six times.
type planKind string

const (
	planClose         planKind = "close"          // the owner converts and closes the opportunity
	planKeepOpen      planKind = "keep-open"      // the owner converts and keeps it open
	planNoPrompt      planKind = "no-prompt"      // a member who owns nothing converts: no close prompt
	planAdminClose    planKind = "admin-close"    // an admin converts someone's opportunity and closes it
	planCancel        planKind = "cancel"         // cancelled at a random step before save
	planCancelRace    planKind = "cancel-race"    // cancel and save sent at once: one of them wins
	planExpire        planKind = "expire"         // left at a random step until it expires
	planTwoOrders     planKind = "two-orders"     // part of the quantities, then a second conversion for the rest
	planCancelRestart planKind = "cancel-restart" // cancelled, then converted again
)

var planKinds = []planKind{planClose, planCancelRace, planTwoOrders, planCancel, planNoPrompt,
	planExpire, planAdminClose, planCancelRestart, planKeepOpen}

// plan is one conversion of the run: an opportunity, the user converting
// it, and what happened to each of its runs as the answers told.
type plan struct {
	kind  planKind
	opp   crm.SeedOpportunity
	c     *client // the converting user on the API
	idle  *client // the same user on the API whose conversions expire soon
	rng   *rand.Rand
	stats *requestStats
	path  string
	runs  int               // runs started (answers 201)
	ends  []conversion.Step // the end state of each run, as the answers told
	mu    sync.Mutex        // guards trace: the requests sent together trace at once
	trace []string          // every request and its status, for a failure message
}

// requestStats counts the answers of the run by status.
type requestStats struct {
	mu       sync.Mutex
	byStatus map[int]int
	errors   int
}

func (s *requestStats) add(status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors++
		return
	}
	s.byStatus[status]++
}

func (s *requestStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	total := s.errors
	for _, st := range slices.Sorted(maps.Keys(s.byStatus)) {
		parts = append(parts, fmt.Sprintf("%d×%d", s.byStatus[st], st))
		total += s.byStatus[st]
	}
	return fmt.Sprintf("%d requests: %s, %d transport errors", total, strings.Join(parts, " "), s.errors)
}

// request is one request of a plan.
type request struct {
	c      *client
	method string
	suffix string // after /v1/opportunities/{id}/conversion
	body   any
	header map[string]string
}

func (p *plan) key(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

// call sends a request as a client following Retry-After would: a 429 is
// sent again after the wait (nothing was done), and so is a 503 or a lost
// connection when the request has an Idempotency-Key, which makes the
// repeat answer what the first did.
func (p *plan) call(q request) (reply, error) {
	deadline := time.Now().Add(5 * time.Minute)
	keyed := q.header["Idempotency-Key"] != ""
	for {
		r, err := q.c.send(q.method, p.path+q.suffix, q.body, q.header)
		p.stats.add(r.status, err)
		retry := (err != nil && keyed) || r.status == http.StatusTooManyRequests ||
			(r.status == http.StatusServiceUnavailable && keyed)
		if !retry || time.Now().After(deadline) {
			p.tracef("%s %s %v: %d %v", q.method, q.suffix, q.header, r.status, err)
			return r, err
		}
		wait := time.Second
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		}
		p.tracef("%s %s %v: %d %v; again in %s", q.method, q.suffix, q.header, r.status, err, wait)
		time.Sleep(wait)
	}
}

// together sends the requests at once and returns their answers in order.
func (p *plan) together(qs ...request) ([]reply, error) {
	out := make([]reply, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() { out[i], errs[i] = p.call(q) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (p *plan) tracef(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trace = append(p.trace, fmt.Sprintf(format, args...))
}

func want(r reply, statuses ...int) error {
	if !slices.Contains(statuses, r.status) {
		return fmt.Errorf("answered %d, want %v: %v", r.status, statuses, r.body)
	}
	return nil
}

func step(r reply) string { s, _ := r.body["step"].(string); return s }
func version(r reply) int { v, _ := r.body["version"].(float64); return int(v) }
func orderOf(r reply) string {
	o, _ := r.body["order"].(map[string]any)
	id, _ := o["id"].(string)
	return id
}

func wantStep(r reply, s string) error {
	if err := want(r, http.StatusOK, http.StatusCreated); err != nil {
		return err
	}
	if step(r) != s {
		return fmt.Errorf("at step %q, want %q", step(r), s)
	}
	return nil
}

// start starts a run twice at once, as a double click would: one answer
// says it started it (201), the other resumes it (200). Right after an
// earlier run of the opportunity ended, the start may meet that run still
// finishing (409, "start again"); it is sent again then.
func (p *plan) start(c *client) (reply, error) {
	run := p.runs + 1
	for deadline := time.Now().Add(time.Minute); ; {
		rs, err := p.together(
			request{c: c, method: http.MethodPost, header: p.key(fmt.Sprintf("open-%d-a", run))},
			request{c: c, method: http.MethodPost, header: p.key(fmt.Sprintf("open-%d-b", run))})
		if err != nil {
			return reply{}, err
		}
		if run > 1 && (finishing(rs[0]) || finishing(rs[1])) && time.Now().Before(deadline) {
			// Sent again with the same keys: one that started the new run
			// answers 201 again, the other resumes it.
			time.Sleep(200 * time.Millisecond)
			continue
		}
		statuses := []int{rs[0].status, rs[1].status}
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{http.StatusOK, http.StatusCreated}) {
			return reply{}, fmt.Errorf("two starts at once answered %v, want 200 and 201: %v / %v", statuses, rs[0].body, rs[1].body)
		}
		p.runs++
		if rs[0].body["workflow_id"] != rs[1].body["workflow_id"] || step(rs[0]) != "mapping" || step(rs[1]) != "mapping" {
			return reply{}, fmt.Errorf("two starts at once: %v / %v", rs[0].body, rs[1].body)
		}
		return rs[0], nil
	}
}

// finishing reports whether a start met the previous run still finishing.
func finishing(r reply) bool {
	return r.status == http.StatusConflict && strings.Contains(fmt.Sprint(r.body["detail"]), "start again")
}

// mapping sends the mapping twice at once with the same Idempotency-Key:
// it is applied once, and both answers are the same.
func (p *plan) mapping(c *client) (reply, error) {
	k := p.key(fmt.Sprintf("mapping-%d", p.runs))
	rs, err := p.together(
		request{c: c, method: http.MethodPut, suffix: "/mapping", body: mapping, header: k},
		request{c: c, method: http.MethodPut, suffix: "/mapping", body: mapping, header: k})
	if err != nil {
		return reply{}, err
	}
	for _, r := range rs {
		if err := wantStep(r, "products"); err != nil {
			return reply{}, fmt.Errorf("mapping: %w", err)
		}
	}
	if version(rs[0]) != version(rs[1]) {
		return reply{}, fmt.Errorf("one mapping key answered versions %d and %d", version(rs[0]), version(rs[1]))
	}
	return rs[0], nil
}

// picks chooses quantities of the items: at least one item, each within
// what remains, at most limit(remaining) when limit is set.
func (p *plan) picks(cur reply, limit func(decimal.Decimal) decimal.Decimal) []map[string]string {
	var out []map[string]string
	for _, it := range cur.body["items"].([]any) {
		item := it.(map[string]any)
		remaining := decimal.RequireFromString(item["remaining_quantity"].(string))
		if limit != nil {
			remaining = limit(remaining)
		}
		if !remaining.IsPositive() || (len(out) > 0 && p.rng.IntN(3) == 0) {
			continue
		}
		q := 1 + p.rng.IntN(int(remaining.IntPart()))
		out = append(out, map[string]string{"opportunity_item_id": item["id"].(string), "quantity": strconv.Itoa(q)})
	}
	return out
}

// items sends two different picks at once with different keys: both are
// steps of their own, and the later one (higher version) is the draft.
func (p *plan) items(c *client, cur reply, limit func(decimal.Decimal) decimal.Decimal) (reply, error) {
	rs, err := p.together(
		request{c: c, method: http.MethodPut, suffix: "/items", body: map[string]any{"items": p.picks(cur, limit)},
			header: p.key(fmt.Sprintf("items-%d-%d-a", p.runs, version(cur)))},
		request{c: c, method: http.MethodPut, suffix: "/items", body: map[string]any{"items": p.picks(cur, limit)},
			header: p.key(fmt.Sprintf("items-%d-%d-b", p.runs, version(cur)))})
	if err != nil {
		return reply{}, err
	}
	for _, r := range rs {
		if err := wantStep(r, "draft"); err != nil {
			return reply{}, fmt.Errorf("items: %w", err)
		}
	}
	if version(rs[0]) == version(rs[1]) {
		return reply{}, fmt.Errorf("two keys for the items answered the same version %d: one was not applied", version(rs[0]))
	}
	if version(rs[0]) > version(rs[1]) {
		return rs[0], nil
	}
	return rs[1], nil
}

// back goes back to products and picks again, half of the time.
func (p *plan) maybeBack(c *client, cur reply, limit func(decimal.Decimal) decimal.Decimal) (reply, error) {
	if p.rng.IntN(2) == 0 {
		return cur, nil
	}
	r, err := p.call(request{c: c, method: http.MethodPost, suffix: "/back", header: p.key(fmt.Sprintf("back-%d", p.runs))})
	if err == nil {
		err = wantStep(r, "products")
	}
	if err != nil {
		return reply{}, fmt.Errorf("back: %w", err)
	}
	return p.items(c, r, limit)
}

// tabs edits the draft from two tabs that saw the same version: one edit
// wins, the other is refused as stale (412).
func (p *plan) tabs(c *client, cur reply) (reply, error) {
	ifMatch := func(tab string) map[string]string {
		return map[string]string{"If-Match": `"` + strconv.Itoa(version(cur)) + `"`,
			"Idempotency-Key": fmt.Sprintf("draft-%d-%s", p.runs, tab)}
	}
	rs, err := p.together(
		request{c: c, method: http.MethodPatch, suffix: "/draft", body: map[string]any{"notes": "edited in tab A"}, header: ifMatch("a")},
		request{c: c, method: http.MethodPatch, suffix: "/draft", body: map[string]any{"notes": "edited in tab B", "delivery_date": "2027-03-01"}, header: ifMatch("b")})
	if err != nil {
		return reply{}, err
	}
	statuses := []int{rs[0].status, rs[1].status}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{http.StatusOK, http.StatusPreconditionFailed}) {
		return reply{}, fmt.Errorf("two tabs with If-Match %d answered %v, want 200 and 412: %v / %v", version(cur), statuses, rs[0].body, rs[1].body)
	}
	if rs[0].status == http.StatusOK {
		return rs[0], nil
	}
	return rs[1], nil
}

// save sends the save three times at once, twice with one key and once
// with another: one of the keys saves, every 200 names the same order, the
// other key is refused (409: being saved, or saved already; 404 when the
// save completed the conversion and its run has ended).
func (p *plan) save(c *client, next string) (reply, error) {
	k1, k2 := p.key(fmt.Sprintf("save-%d-1", p.runs)), p.key(fmt.Sprintf("save-%d-2", p.runs))
	rs, err := p.together(
		request{c: c, method: http.MethodPost, suffix: "/save", header: k1},
		request{c: c, method: http.MethodPost, suffix: "/save", header: k1},
		request{c: c, method: http.MethodPost, suffix: "/save", header: k2})
	if err != nil {
		return reply{}, err
	}
	var saved reply
	okKeys := map[int]bool{}
	for i, r := range rs {
		switch {
		case r.status == http.StatusOK && step(r) == next && orderOf(r) != "":
			if saved.body != nil && orderOf(saved) != orderOf(r) {
				return reply{}, fmt.Errorf("two saves of one conversion answered orders %s and %s", orderOf(saved), orderOf(r))
			}
			saved = r
			okKeys[i/2] = true // requests 0 and 1 share a key, 2 has its own
		case r.status == http.StatusConflict:
		case r.status == http.StatusNotFound && next == "completed":
			// The other key's save completed the conversion, whose run
			// then ended: there is no active conversion left to save.
		default:
			return reply{}, fmt.Errorf("save: answered %d at %q, want 200 at %s or 409: %v", r.status, step(r), next, r.body)
		}
	}
	if len(okKeys) != 1 || (okKeys[0] && rs[0].status != rs[1].status) {
		return reply{}, fmt.Errorf("saves answered %d, %d, %d: want one key saved, the same answer twice for it", rs[0].status, rs[1].status, rs[2].status)
	}
	return saved, nil
}

// decide answers the close prompt twice at once with one key.
func (p *plan) decide(c *client, close bool) (reply, error) {
	k := p.key(fmt.Sprintf("close-%d", p.runs))
	body := map[string]any{"close": close}
	rs, err := p.together(
		request{c: c, method: http.MethodPost, suffix: "/close-decision", body: body, header: k},
		request{c: c, method: http.MethodPost, suffix: "/close-decision", body: body, header: k})
	if err != nil {
		return reply{}, err
	}
	for _, r := range rs {
		if err := wantStep(r, "completed"); err != nil {
			return reply{}, fmt.Errorf("close decision: %w", err)
		}
	}
	if version(rs[0]) != version(rs[1]) {
		return reply{}, fmt.Errorf("one close key answered versions %d and %d", version(rs[0]), version(rs[1]))
	}
	prompt, _ := rs[0].body["close_prompt"].(map[string]any)
	if closed, _ := prompt["closed"].(bool); closed != close {
		return reply{}, fmt.Errorf("close %t: closed %v", close, prompt)
	}
	return rs[0], nil
}

// cancel cancels the run: 200 once the workflow confirms, 202 if it has
// not yet, after which the conversion is gone (404) or shows cancelled.
func (p *plan) cancel(c *client) error {
	r, err := p.call(request{c: c, method: http.MethodDelete})
	if err != nil {
		return err
	}
	switch {
	case r.status == http.StatusOK && step(r) == "cancelled":
		return nil
	case r.status == http.StatusAccepted:
		return p.waitEnded(c)
	default:
		return fmt.Errorf("cancel: answered %d at %q: %v", r.status, step(r), r.body)
	}
}

// waitEnded waits until the opportunity has no active conversion.
func (p *plan) waitEnded(c *client) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r, err := p.call(request{c: c, method: http.MethodGet})
		if err != nil {
			return err
		}
		if r.status == http.StatusNotFound || (r.status == http.StatusOK && step(r) == "cancelled") {
			return nil
		}
	}
	return errors.New("the cancelled conversion did not end")
}

// toDraft walks a new run to the draft, with the duplicated requests.
func (p *plan) toDraft(c *client, limit func(decimal.Decimal) decimal.Decimal) (reply, error) {
	cur, err := p.start(c)
	if err != nil {
		return reply{}, err
	}
	if cur, err = p.mapping(c); err != nil {
		return reply{}, err
	}
	if cur, err = p.items(c, cur, limit); err != nil {
		return reply{}, err
	}
	if cur, err = p.maybeBack(c, cur, limit); err != nil {
		return reply{}, err
	}
	return p.tabs(c, cur)
}

// convert takes a new run through to completed: with a close prompt and
// the given answer, or without one when the user may not close.
func (p *plan) convert(c *client, prompt, close bool, limit func(decimal.Decimal) decimal.Decimal) (reply, error) {
	cur, err := p.toDraft(c, limit)
	if err != nil {
		return reply{}, err
	}
	next := "completed"
	if prompt {
		next = "close_prompt"
	}
	if cur, err = p.save(c, next); err != nil {
		return reply{}, err
	}
	if prompt {
		if cur, err = p.decide(c, close); err != nil {
			return reply{}, err
		}
	}
	p.ends = append(p.ends, conversion.StepCompleted)
	return cur, nil
}

func (p *plan) run() error {
	switch p.kind {
	case planClose, planAdminClose:
		_, err := p.convert(p.c, true, true, nil)
		return err
	case planKeepOpen:
		_, err := p.convert(p.c, true, false, nil)
		return err
	case planNoPrompt:
		_, err := p.convert(p.c, false, false, nil)
		return err
	case planCancel:
		return p.cancelAtRandom()
	case planCancelRace:
		return p.cancelRace()
	case planExpire:
		return p.leaveToExpire()
	case planTwoOrders:
		return p.twoOrders()
	case planCancelRestart:
		if err := p.cancelAtRandom(); err != nil {
			return err
		}
		_, err := p.convert(p.c, true, p.rng.IntN(2) == 0, nil)
		return err
	}
	return fmt.Errorf("unknown plan %q", p.kind)
}

// cancelAtRandom starts a run and cancels it at mapping, products or draft.
func (p *plan) cancelAtRandom() error {
	at := p.rng.IntN(3)
	if _, err := p.start(p.c); err != nil {
		return err
	}
	if at > 0 {
		cur, err := p.mapping(p.c)
		if err != nil {
			return err
		}
		if at > 1 {
			if _, err := p.items(p.c, cur, nil); err != nil {
				return err
			}
		}
	}
	if err := p.cancel(p.c); err != nil {
		return err
	}
	p.ends = append(p.ends, conversion.StepCancelled)
	return nil
}

// cancelRace sends cancel and save at once at the draft: either the cancel
// wins (the save is refused, or finds the run ended; no order) or the save
// does (the cancel is refused, or not confirmed, and the conversion goes on
// to completed).
func (p *plan) cancelRace() error {
	if _, err := p.toDraft(p.c, nil); err != nil {
		return err
	}
	rs, err := p.together(
		request{c: p.c, method: http.MethodDelete},
		request{c: p.c, method: http.MethodPost, suffix: "/save", header: p.key(fmt.Sprintf("save-%d-race", p.runs))})
	if err != nil {
		return err
	}
	cancel, save := rs[0], rs[1]
	switch {
	case save.status == http.StatusOK && step(save) == "close_prompt":
		if !slices.Contains([]int{http.StatusConflict, http.StatusAccepted}, cancel.status) {
			return fmt.Errorf("the save won the race, yet the cancel answered %d: %v", cancel.status, cancel.body)
		}
		_, err := p.decide(p.c, false)
		p.ends = append(p.ends, conversion.StepCompleted)
		return err
	case save.status == http.StatusConflict || save.status == http.StatusNotFound: // 404: the run ended already
		switch {
		case cancel.status == http.StatusOK && step(cancel) == "cancelled":
		case cancel.status == http.StatusAccepted:
			if err := p.waitEnded(p.c); err != nil {
				return err
			}
		default:
			return fmt.Errorf("the save was refused, yet the cancel answered %d: %v", cancel.status, cancel.body)
		}
		p.ends = append(p.ends, conversion.StepCancelled)
		return nil
	}
	return fmt.Errorf("cancel and save at once answered %d and %d: %v / %v", cancel.status, save.status, cancel.body, save.body)
}

// leaveToExpire starts a run on the API whose conversions expire after
// shortIdle, takes it to mapping, products or draft, and leaves it. A step
// that comes after the expiry (a slow machine) is refused, which is fine.
func (p *plan) leaveToExpire() error {
	at := p.rng.IntN(3)
	r, err := p.call(request{c: p.idle, method: http.MethodPost, header: p.key("open-1")})
	if err != nil {
		return err
	}
	if err := want(r, http.StatusCreated); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	p.runs++
	p.ends = append(p.ends, conversion.StepExpired)
	steps := []request{
		{c: p.idle, method: http.MethodPut, suffix: "/mapping", body: mapping, header: p.key("mapping-1")},
		{c: p.idle, method: http.MethodPut, suffix: "/items", header: p.key("items-1")},
	}
	for i := range at {
		q := steps[i]
		if q.suffix == "/items" {
			q.body = map[string]any{"items": p.picks(r, nil)}
		}
		if r, err = p.call(q); err != nil {
			return err
		}
		if r.status == http.StatusConflict || r.status == http.StatusNotFound {
			return nil // expired already
		}
		if err := want(r, http.StatusOK); err != nil {
			return fmt.Errorf("%s: %w", q.suffix, err)
		}
	}
	return nil
}

// twoOrders converts part of each item, then converts again: more than
// remains is refused (422), the rest is ordered, and a third start finds
// nothing left to convert (409).
func (p *plan) twoOrders() error {
	half := func(remaining decimal.Decimal) decimal.Decimal { return remaining.Div(decimal.NewFromInt(2)).Floor() }
	if _, err := p.convert(p.c, true, false, half); err != nil {
		return err
	}
	cur, err := p.start(p.c)
	if err != nil {
		return err
	}
	if cur, err = p.mapping(p.c); err != nil {
		return err
	}
	var rest, over []map[string]string
	for _, it := range cur.body["items"].([]any) {
		item := it.(map[string]any)
		remaining := decimal.RequireFromString(item["remaining_quantity"].(string))
		if remaining.IsPositive() {
			rest = append(rest, map[string]string{"opportunity_item_id": item["id"].(string), "quantity": remaining.String()})
		}
		if len(over) == 0 {
			over = append(over, map[string]string{"opportunity_item_id": item["id"].(string), "quantity": remaining.Add(decimal.NewFromInt(1)).String()})
		}
	}
	r, err := p.call(request{c: p.c, method: http.MethodPut, suffix: "/items", body: map[string]any{"items": over}, header: p.key("items-over")})
	if err == nil {
		err = want(r, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return fmt.Errorf("items beyond what remains: %w", err)
	}
	r, err = p.call(request{c: p.c, method: http.MethodPut, suffix: "/items", body: map[string]any{"items": rest}, header: p.key("items-rest")})
	if err == nil {
		err = wantStep(r, "draft")
	}
	if err != nil {
		return fmt.Errorf("items, the rest: %w", err)
	}
	if _, err := p.save(p.c, "close_prompt"); err != nil {
		return err
	}
	if _, err := p.decide(p.c, true); err != nil {
		return err
	}
	p.ends = append(p.ends, conversion.StepCompleted)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		r, err = p.call(request{c: p.c, method: http.MethodPost, header: p.key("open-3")})
		if err != nil {
			return err
		}
		if finishing(r) && time.Now().Before(deadline) {
			continue // the second run is still finishing
		}
		if err := want(r, http.StatusConflict); err != nil {
			return fmt.Errorf("a third start with nothing remaining: %w", err)
		}
		return nil
	}
}

// Fifty (CI: twelve) conversions of distinct opportunities run at once on
// two workers and two APIs, each with duplicated requests: two starts at
// once, one mapping key twice at once, two item picks with different keys,
// two tabs editing the draft with the same If-Match, three saves at once
// (two keys), two close decisions with one key, random back and cancel,
// cancel racing save, conversions left to expire, and opportunities
// converted twice. Afterwards the invariants of package invariants hold in
// PostgreSQL, and every run ended as its answers said.
func TestConcurrentConversionsKeepTheInvariants(t *testing.T) {
	n := concurrentConversions()
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("CRMCONVERT_FAULTS_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("%d conversions; random choices from seed %d (set CRMCONVERT_FAULTS_SEED to repeat them)", n, seed)
	since := time.Now()
	data, users := loadData(n)
	raw, err := json.Marshal(data)
	require.NoError(t, err)
	s := newStack(t, stackOptions{seeds: [][]byte{raw}})
	org := data.Organizations[0].ID
	primary := s.startAPI()
	idle := s.startAPI("CONVERSION_IDLE_TIMEOUT=" + shortIdle.String())
	s.startWorker()
	s.startWorker()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * n}}
	clients := map[string][2]*client{}
	for _, u := range append(append([]string{}, users.owners...), users.member, users.admin) {
		a, b := newClient(t, primary.base, u), newClient(t, idle.base, u)
		a.http, b.http = hc, hc
		clients[u] = [2]*client{a, b}
	}
	stats := &requestStats{byStatus: map[int]int{}}
	plans := make([]*plan, n)
	for i := range plans {
		kind := planKinds[i%len(planKinds)]
		opp := data.Opportunities[i]
		actor := opp.OwnerID
		switch kind {
		case planNoPrompt:
			actor = users.member
		case planAdminClose:
			actor = users.admin
		}
		plans[i] = &plan{kind: kind, opp: opp, c: clients[actor][0], idle: clients[actor][1],
			rng: rand.New(rand.NewPCG(seed, uint64(i))), stats: stats, path: "/v1/opportunities/" + opp.ID + "/conversion"}
	}

	began := time.Now()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, p := range plans {
		wg.Go(func() { errs[i] = p.run() })
	}
	wg.Wait()
	took := time.Since(began)
	for i, err := range errs {
		if err != nil {
			t.Errorf("conversion %d (%s, %s): %v\n\t%s", i, plans[i].kind, plans[i].opp.Number, err, strings.Join(plans[i].trace, "\n\t"))
		}
	}
	require.False(t, t.Failed())

	runs := 0
	for _, p := range plans {
		runs += p.runs
	}
	rep := s.checkInvariants(org, runs, since)
	convs, err := s.conversions(t.Context(), org)
	require.NoError(t, err)
	byOpp := map[string][]conversion.Step{}
	for _, c := range convs {
		byOpp[c.OpportunityID] = append(byOpp[c.OpportunityID], c.Step)
	}
	completed := 0
	for _, p := range plans {
		got, wantEnds := byOpp[p.opp.ID], slices.Clone(p.ends)
		slices.Sort(got)
		slices.Sort(wantEnds)
		require.Equal(t, wantEnds, got, "the runs of %s (%s) ended as their answers said", p.opp.Number, p.kind)
		for _, e := range p.ends {
			if e == conversion.StepCompleted {
				completed++
			}
		}
	}
	require.Equal(t, completed, rep.Orders, "one order per completed conversion")
	require.Zero(t, rep.Duplicates)
	t.Logf("%d conversions of %d opportunities (%d runs) in %s; %s", n, n, runs, took.Round(time.Millisecond), stats)
	t.Logf("checker: %s", rep)
}
