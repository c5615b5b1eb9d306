package api

import (
	"context"
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
	OpportunitySnapshot(ctx context.Context, orgID, oppID string) (*conversion.Opportunity, error)
	Order(ctx context.Context, orgID, orderID string) (*crm.OrderDetail, error)
	CustomerInOrganization(ctx context.Context, orgID, customerID string) (bool, error)
	Ping(ctx context.Context) error
}

// Config holds the API's settings.
type Config struct {
	// JWTSecret is the HS256 key bearer tokens are signed with.
	JWTSecret []byte
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
}

// Deps are the services the API talks to.
type Deps struct {
	Store    Store
	Temporal client.Client
	// Logger receives the access log and errors. Default slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultReadyTimeout   = 2 * time.Second
)

// Server is the HTTP API. It keeps no state beyond its dependencies and its
// metrics, so any number of them may serve the same conversions.
type Server struct {
	cfg      Config
	store    Store
	temporal client.Client
	log      *slog.Logger
	metrics  *metrics
	handler  http.Handler
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
	s := &Server{
		cfg:      cfg,
		store:    deps.Store,
		temporal: deps.Temporal,
		log:      deps.Logger,
		metrics:  newMetrics(),
	}
	s.handler = s.router()
	return s
}

// Handler is the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }
