package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestUserLimiterIsATokenBucketPerUser(t *testing.T) {
	l := newUserLimiter(2, 3, 100)
	now := time.Now()
	for i := range 3 {
		_, ok := l.take("u1", now)
		require.True(t, ok, "request %d of the burst", i+1)
	}
	wait, ok := l.take("u1", now)
	require.False(t, ok, "the burst is spent")
	assert.InDelta(t, 500*time.Millisecond, wait, float64(10*time.Millisecond), "2 per second: one more in half a second")
	_, ok = l.take("u2", now)
	assert.True(t, ok, "another user has a bucket of their own")
	_, ok = l.take("u1", now.Add(500*time.Millisecond))
	assert.True(t, ok, "the bucket refills")
	_, ok = l.take("u1", now.Add(500*time.Millisecond))
	assert.False(t, ok, "a refused request spent nothing, an allowed one did")
}

func TestUserLimiterKeepsTheUsersSeenLast(t *testing.T) {
	l := newUserLimiter(1, 1, 3)
	now := time.Now()
	for _, u := range []string{"u1", "u2", "u3"} {
		l.take(u, now)
	}
	l.take("u1", now) // u1 seen again: u2 is now the least recent
	l.take("u4", now)
	assert.Equal(t, 3, l.size())
	assert.Contains(t, l.byUser, "u1")
	assert.NotContains(t, l.byUser, "u2", "the least recently seen user is dropped")
	assert.Contains(t, l.byUser, "u3")
	assert.Contains(t, l.byUser, "u4")
	for i := range 10000 {
		l.take(strconv.Itoa(i), now)
	}
	assert.Equal(t, 3, l.size(), "bounded, whoever calls")
	assert.Equal(t, 3, l.recent.Len())
}

func TestNoRateLimit(t *testing.T) {
	l := newUserLimiter(-1, 0, 10)
	assert.Nil(t, l)
	for range 1000 {
		_, ok := l.take("u1", time.Now())
		require.True(t, ok)
	}
}

// TestRateLimitAnswers429 sends one user's requests past their burst: the
// next is refused with 429 and Retry-After, while another user goes on.
func TestRateLimitAnswers429(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.RateLimit = 0.5; c.RateBurst = 3 })
	path := "/v1/opportunities/" + demo.InitechRenewal
	for range 3 {
		require.Equal(t, http.StatusOK, e.call(demo.Sam, http.MethodGet, path, nil).Status)
	}
	r := e.call(demo.Sam, http.MethodGet, path, nil)
	p := r.problem(t, http.StatusTooManyRequests)
	assert.Equal(t, problemBase+"too-many-requests", p.Type)
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", r.Header.Get("Retry-After"))
	assert.True(t, retry >= 1 && retry <= 2, "0.5 per second: a request in at most 2 s, not %d", retry)

	orders := e.count("orders")
	r = e.call(demo.Sam, http.MethodPost, conversionPath(demo.InitechRenewal), nil)
	r.problem(t, http.StatusTooManyRequests)
	assert.Equal(t, orders, e.count("orders"))
	e.call(demo.Ada, http.MethodGet, path, nil)
	assert.Equal(t, http.StatusOK, e.call(demo.Mia, http.MethodGet, path, nil).Status, "the limit is per user, not global")
}
