package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// principal is who sends a request of the matrix.
type principal string

// The principals of the matrix: five who are not authenticated, then six
// users. The API takes HS256 and RS256 tokens; Ada, the admin, signs hers
// with RS256 (the API's PEM public key verifies it), the others with HS256.
const (
	pNoToken       principal = "no token"
	pMalformed     principal = "malformed token"
	pExpired       principal = "expired token"
	pAlgNone       principal = "alg none"
	pConfusion     principal = "HS256 keyed with the RSA public key"
	pOtherOrgUser  principal = "another organization's user"
	pOtherOrgAdmin principal = "another organization's admin"
	pNoPermission  principal = "same organization, no permission"
	pNonOwner      principal = "non-owner"
	pOwner         principal = "owner"
	pAdmin         principal = "admin"
	otherOrgUserID           = "b0000000-0000-4000-8000-000000000012" // Olga, a Globex member with both permissions
)

var principals = []principal{pNoToken, pMalformed, pExpired, pAlgNone, pConfusion,
	pOtherOrgUser, pOtherOrgAdmin, pNoPermission, pNonOwner, pOwner, pAdmin}

// unauthenticated are the principals every /v1 route answers 401.
var unauthenticated = []principal{pNoToken, pMalformed, pExpired, pAlgNone, pConfusion}

// users are the statuses a route answers the six users, in the order
// another organization's user, another organization's admin, no permission,
// non-owner, owner, admin.
type users [6]int

// fixture is the state a route's requests need: Sam's conversion of
// OPP-000001 (Sam owns the opportunity) at a step.
type fixture int

const (
	fxAny         fixture = iota // reads: whatever state there is
	fxMapping                    // at mapping
	fxProducts                   // at products
	fxDraft                      // at draft, one widget picked
	fxClosePrompt                // saved, asking whether to close the opportunity
)

// matrixRow is one endpoint of the matrix. Every route of router.go has at
// least one row (TestMatrixCoversEveryRoute); add a row with each new route.
type matrixRow struct {
	method, route string // as router.go declares it
	path          string // the request's path and query
	body          any
	fixture       fixture
	public        bool  // no authentication: everyone gets 200
	want          users // for /v1 routes; the unauthenticated get 401
}

var matrix = func() []matrixRow {
	opp := "/v1/opportunities/" + demo.InitechRenewal
	conv := opp + "/conversion"
	mapping := map[string]any{"mapping": []conversion.Pair{
		{Source: "opportunity.name", Target: "order.title"},
		{Source: "opportunity.customer_id", Target: "order.customer_id"},
		{Source: "opportunity.currency", Target: "order.currency"},
	}}
	items := map[string]any{"items": []map[string]string{{"opportunity_item_id": demo.RenewalWidgets, "quantity": "1"}}}
	const (
		ok  = http.StatusOK
		no  = http.StatusForbidden
		nf  = http.StatusNotFound
		bsy = http.StatusConflict
	)
	return []matrixRow{
		{method: "GET", route: "/healthz", path: "/healthz", public: true},
		{method: "GET", route: "/readyz", path: "/readyz", public: true},
		{method: "GET", route: "/metrics", path: "/metrics", public: true},
		{method: "GET", route: "/openapi.yaml", path: "/openapi.yaml", public: true},
		{method: "GET", route: "/", path: "/", public: true}, // 302 to /app/, which the client follows
		{method: "GET", route: "/app/*path", path: "/app/opportunities/" + demo.InitechRenewal, public: true},

		{method: "GET", route: "/v1/me", path: "/v1/me", want: users{ok, ok, ok, ok, ok, ok}},

		{method: "GET", route: "/v1/opportunities/:id", path: opp, want: users{nf, nf, ok, ok, ok, ok}},
		{method: "GET", route: "/v1/orders/:id", path: "/v1/orders/" + demo.SpareWidgetsOrder, want: users{nf, nf, ok, ok, ok, ok}},
		{method: "GET", route: "/v1/conversions", path: "/v1/conversions", fixture: fxMapping, want: users{ok, ok, ok, ok, ok, ok}},
		{method: "GET", route: "/v1/conversions", path: "/v1/conversions?scope=organization", fixture: fxMapping, want: users{no, ok, no, no, no, ok}},

		{method: "POST", route: "/v1/opportunities/:id/conversion", path: conv, fixture: fxMapping, want: users{nf, nf, no, bsy, ok, bsy}},
		{method: "GET", route: "/v1/opportunities/:id/conversion", path: conv, fixture: fxMapping, want: users{nf, nf, no, no, ok, ok}},
		{method: "DELETE", route: "/v1/opportunities/:id/conversion", path: conv, fixture: fxMapping, want: users{nf, nf, no, no, ok, ok}},
		{method: "PUT", route: "/v1/opportunities/:id/conversion/mapping", path: conv + "/mapping", body: mapping, fixture: fxMapping, want: users{nf, nf, no, no, ok, no}},
		{method: "PUT", route: "/v1/opportunities/:id/conversion/items", path: conv + "/items", body: items, fixture: fxProducts, want: users{nf, nf, no, no, ok, no}},
		{method: "PATCH", route: "/v1/opportunities/:id/conversion/draft", path: conv + "/draft", body: map[string]any{"title": "Matrix"}, fixture: fxDraft, want: users{nf, nf, no, no, ok, no}},
		{method: "POST", route: "/v1/opportunities/:id/conversion/save", path: conv + "/save", fixture: fxDraft, want: users{nf, nf, no, no, ok, no}},
		{method: "POST", route: "/v1/opportunities/:id/conversion/close-decision", path: conv + "/close-decision", body: map[string]any{"close": false}, fixture: fxClosePrompt, want: users{nf, nf, no, no, ok, no}},
		{method: "POST", route: "/v1/opportunities/:id/conversion/back", path: conv + "/back", fixture: fxProducts, want: users{nf, nf, no, no, ok, no}},
	}
}()

// expected is the status the principal gets from the row.
func (r matrixRow) expected(p principal) int {
	if r.public {
		return http.StatusOK
	}
	if slices.Contains(unauthenticated, p) {
		return http.StatusUnauthorized
	}
	return r.want[slices.Index(principals, p)-len(unauthenticated)]
}

// TestMatrixCoversEveryRoute fails when router.go has a route the matrix
// has no row for.
func TestMatrixCoversEveryRoute(t *testing.T) {
	srv := New(Config{JWTSecret: testSecret}, Deps{Logger: slog.New(slog.DiscardHandler)})
	covered := map[string]bool{}
	for _, row := range matrix {
		covered[row.method+" "+row.route] = true
		fixed, _, _ := strings.Cut(strings.Split(row.route, ":")[0], "*")
		require.True(t, strings.HasPrefix(row.path, fixed), "row %s %s: path %s", row.method, row.route, row.path)
	}
	for _, rt := range srv.router().Routes() {
		assert.True(t, covered[rt.Method+" "+rt.Path], "%s %s has no row in the security matrix (api/matrix_test.go)", rt.Method, rt.Path)
	}
}

// TestSecurityMatrix sends every endpoint's request as each principal and
// checks the status; after every refused request (and every read) it checks
// that nothing was written: no order, order item, change, mapping
// preference, opportunity status or order link, and no step of the
// conversion in Temporal (its run, status, step and version), nor a
// conversion started under another organization's id.
func TestSecurityMatrix(t *testing.T) {
	rsa, _ := testRSAKeys(t)
	e := newEnvWith(t, func(c *Config) {
		c.JWTKeys = rsaKeySet(t, rsa)
		c.RateLimit = -1 // the matrix sends many requests as one user
	})
	_, err := e.db.NewRaw(`INSERT INTO users (id, organization_id, name, email, role, permissions)
		VALUES (?, ?, 'Olga Other', 'olga@globex.test', 'member', ARRAY['order:create','order:update'])`,
		otherOrgUserID, demo.Globex).Exec(t.Context())
	require.NoError(t, err)

	now := time.Now()
	tokens := map[principal]string{
		pMalformed: "not-a-token",
		pExpired: signWith(t, jwt.SigningMethodHS256, testSecret,
			jwt.MapClaims{"sub": demo.Sam, "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}),
		pAlgNone:       signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(demo.Ada)),
		pConfusion:     signWith(t, jwt.SigningMethodHS256, publicPEM(t, rsa), claimsFor(demo.Ada)),
		pOtherOrgUser:  token(t, otherOrgUserID),
		pOtherOrgAdmin: token(t, demo.Gus),
		pNoPermission:  token(t, demo.Vic),
		pNonOwner:      token(t, demo.Mia),
		pOwner:         token(t, demo.Sam),
		pAdmin:         signWith(t, jwt.SigningMethodRS256, rsa, claimsFor(demo.Ada)),
	}
	m := &matrixEnv{env: e, t: t}
	cases := 0
	for _, row := range matrix {
		for _, p := range principals {
			name := fmt.Sprintf("%s %s as %s", row.method, row.path, p)
			want := row.expected(p)
			m.prepare(row.fixture)
			before := m.snapshot()
			var headers []string
			if tok, ok := tokens[p]; ok {
				headers = []string{"Authorization", "Bearer " + tok}
			}
			r := e.call("", row.method, row.path, row.body, headers...)
			cases++
			if !assert.Equal(t, want, r.Status, "%s: %s", name, r.Body) {
				m.dirty = true
				continue
			}
			if want >= 400 {
				p := r.problem(t, want)
				assert.NotEmpty(t, p.Detail, name)
			}
			if want >= 400 || row.method == http.MethodGet {
				assert.Equal(t, before, m.snapshot(), "%s wrote something", name)
			} else {
				m.dirty = true
			}
			if want < 300 && (p == pOtherOrgUser || p == pOtherOrgAdmin) && !row.public {
				for _, acme := range []string{demo.Acme, demo.InitechRenewal, demo.SpareWidgetsOrder, demo.Sam, "Initech"} {
					assert.NotContains(t, string(r.Body), acme, "%s shows another organization's data", name)
				}
			}
		}
	}
	t.Logf("security matrix: %d endpoints' rows × %d principals = %d cases", len(matrix), len(principals), cases)

	logs := e.logs.String()
	for p, tok := range tokens {
		if i := strings.LastIndexByte(tok, '.'); i >= 0 && len(tok)-i > 8 {
			assert.NotContains(t, logs, tok[i+1:], "the token of %s is in the logs", p)
		}
		assert.NotContains(t, logs, tok, "the token of %s is in the logs", p)
	}
}

// matrixEnv sets up the fixtures of the matrix and takes snapshots of what
// requests could write.
type matrixEnv struct {
	*env
	t       *testing.T
	current fixture
	dirty   bool
}

var matrixConversion = workflows.WorkflowID(demo.Acme, demo.InitechRenewal)

// prepare brings Sam's conversion to the fixture's step, anew when a request
// has moved it on.
func (m *matrixEnv) prepare(fx fixture) {
	t := m.t
	if fx == fxAny || (fx == m.current && !m.dirty) {
		return
	}
	ctx := t.Context()
	err := temporalClient.TerminateWorkflow(ctx, matrixConversion, "", "matrix: next fixture")
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) && !strings.Contains(err.Error(), "already completed") {
		require.NoError(t, err)
	}
	conv := conversionPath(demo.InitechRenewal)
	m.call(demo.Sam, http.MethodPost, conv, nil).conversion(t, http.StatusCreated)
	if fx >= fxProducts {
		m.call(demo.Sam, http.MethodPut, conv+"/mapping", map[string]any{"mapping": []conversion.Pair{
			{Source: "opportunity.name", Target: "order.title"},
			{Source: "opportunity.customer_id", Target: "order.customer_id"},
			{Source: "opportunity.currency", Target: "order.currency"},
		}}).conversion(t, http.StatusOK)
	}
	if fx >= fxDraft {
		m.call(demo.Sam, http.MethodPut, conv+"/items", map[string]any{"items": []map[string]string{
			{"opportunity_item_id": demo.RenewalWidgets, "quantity": "1"}}}).conversion(t, http.StatusOK)
	}
	if fx >= fxClosePrompt {
		b := m.call(demo.Sam, http.MethodPost, conv+"/save", nil).conversion(t, http.StatusOK)
		require.Equal(t, conversion.StepClosePrompt, b.Step)
	}
	m.current, m.dirty = fx, false
	m.settle()
}

// settle waits until the work a step left running (the mapping remembered,
// search attributes) is done, so that snapshots are stable.
func (m *matrixEnv) settle() {
	last := m.snapshot()
	for range 50 {
		time.Sleep(50 * time.Millisecond)
		next := m.snapshot()
		if next == last {
			return
		}
		last = next
	}
	m.t.Fatalf("the state does not settle: %+v", last)
}

// matrixSnapshot is what any request of the matrix could write.
type matrixSnapshot struct {
	Orders, OrderItems, Changes, Preferences int
	Opportunities                            string // id, status and closed_at of each
	OrderLinks                               string // id, opportunity and status of each order
	Conversion                               string // Sam's conversion: run, status, step, version
	Foreign                                  string // a conversion of OPP-000001 under Globex's id
}

func (m *matrixEnv) snapshot() matrixSnapshot {
	t := m.t
	ctx := t.Context()
	s := matrixSnapshot{
		Orders: m.count("orders"), OrderItems: m.count("order_items"),
		Changes: m.count("changes"), Preferences: m.count("mapping_preferences"),
	}
	require.NoError(t, m.db.NewRaw(`SELECT coalesce(string_agg(id || ':' || status || ':' || coalesce(closed_at::text, ''), ',' ORDER BY id), '')
		FROM opportunities`).Scan(ctx, &s.Opportunities))
	require.NoError(t, m.db.NewRaw(`SELECT coalesce(string_agg(id || ':' || coalesce(opportunity_id::text, '') || ':' || status, ',' ORDER BY id), '')
		FROM orders`).Scan(ctx, &s.OrderLinks))
	s.Conversion = describeConversion(ctx, t, matrixConversion, true)
	s.Foreign = describeConversion(ctx, t, workflows.WorkflowID(demo.Globex, demo.InitechRenewal), false)
	return s
}

// describeConversion names the workflow's latest run and status and, when
// it runs and withState is set, its step and version.
func describeConversion(ctx context.Context, t *testing.T, id string, withState bool) string {
	d, err := temporalClient.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return "none"
	}
	require.NoError(t, err)
	info := d.GetWorkflowExecutionInfo()
	out := info.GetExecution().GetRunId() + " " + info.GetStatus().String()
	if !withState || info.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return out
	}
	resp, err := temporalClient.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{
		WorkflowID: id, QueryType: workflows.QueryState})
	require.NoError(t, err)
	var st conversion.State
	require.NoError(t, resp.QueryResult.Get(&st))
	return fmt.Sprintf("%s %s v%d saving=%v", out, st.Step, st.Version, st.Saving)
}
