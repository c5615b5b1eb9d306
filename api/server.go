package api

import (
	"context"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// Store is what the API reads from the CRM's database.
type Store interface {
	UserByID(ctx context.Context, id string) (*crm.User, error)
	Opportunity(ctx context.Context, orgID, oppID string) (*crm.OpportunityDetail, error)
	ConversionSnapshot(ctx context.Context, orgID, oppID, userID string) (*conversion.Snapshot, error)
	Order(ctx context.Context, orgID, orderID string) (*crm.OrderDetail, error)
	CustomerInOrganization(ctx context.Context, orgID, customerID string) (bool, error)
	SearchOpportunities(ctx context.Context, orgID, keyword string, page crm.Page) (crm.OpportunityHits, error)
	Orders(ctx context.Context, orgID string, f crm.OrderFilter, page crm.Page) (crm.OrderList, error)
	LinkOrder(ctx context.Context, l crm.LinkOrder) (crm.LinkResult, error)
	ChangeLogPage(ctx context.Context, orgID, objectType, objectID string, page crm.Page) (crm.ChangePage, error)
	Ping(ctx context.Context) error
}

// Config holds the API's settings.
type Config struct {
	// JWTSecret is the HS256 key bearer tokens are signed with; empty:
	// HS256 tokens are refused.
	JWTSecret []byte
	// JWTKeys are the RSA public keys RS256 tokens are verified with (one
	// PEM key or a JWKS file); nil: RS256 tokens are refused. With neither
	// a secret nor keys, every token is refused.
	JWTKeys *KeySet
	// JWTIssuer, when set, is the only "iss" accepted.
	JWTIssuer string
	// JWTAudience, when set, must be one of the token's "aud".
	JWTAudience string
	// RateLimit is how many requests per second each user may send,
	// sustained, and RateBurst how many at once; past them the answer is
	// 429 with Retry-After. Zero: 10 per second, bursts of 100; a negative
	// RateLimit: no limit.
	RateLimit float64
	RateBurst int
	// TaskQueue is the task queue conversions run on.
	TaskQueue string
	// IdleTimeout is how long a new conversion waits for a step before it
	// expires; zero leaves it to the workflow's default.
	IdleTimeout time.Duration
	// RequestTimeout bounds the work of each /v1 request on PostgreSQL and
	// Temporal, a save included; past it the answer is 503. Default 30s.
	RequestTimeout time.Duration
	// ReadyTimeout bounds each dependency check of /readyz. Default 2s.
	ReadyTimeout time.Duration
	// DevSignIn mounts the development sign-in (GET /dev/users, POST
	// /dev/token: a token for any active user, no password). Only
	// `crmconvert dev` sets it; never in production.
	DevSignIn bool
}

// Deps are the services the API talks to.
type Deps struct {
	Store    Store
	Temporal client.Client
	// Logger receives the access log and errors. Default slog.Default().
	Logger *slog.Logger
	// Metrics, if set, are served on /metrics beside the API's own: the
	// Temporal SDK's client and worker metrics.
	Metrics prometheus.Gatherer
}

// Defaults of Config.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultReadyTimeout   = 2 * time.Second
)

// Server is the HTTP API. It keeps no state beyond its dependencies, its
// metrics and its users' rate-limit buckets, so any number of them may serve
// the same conversions (each holding its users to the rate limit).
type Server struct {
	cfg      Config
	store    Store
	temporal client.Client
	log      *slog.Logger
	metrics  *metrics
	handler  http.Handler
	verifier *verifier
	limiter  *userLimiter // nil: no rate limit
}

// New builds the API on its dependencies.
func New(cfg Config, deps Deps) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = defaultReadyTimeout
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = defaultRateLimit
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = defaultRateBurst
	}
	s := &Server{
		cfg:      cfg,
		store:    deps.Store,
		temporal: deps.Temporal,
		log:      deps.Logger,
		metrics:  newMetrics(deps.Metrics),
		verifier: newVerifier(cfg),
		limiter:  newUserLimiter(cfg.RateLimit, cfg.RateBurst, defaultRateMaxUser),
	}
	s.handler = s.router()
	return s
}

// Handler is the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }
