package api

import (
	"container/list"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the per-user rate limit: a person clicking through a
// conversion sends far less; a script looping on the API is held to this.
const (
	defaultRateLimit   = 10  // requests per second, sustained
	defaultRateBurst   = 100 // requests at once
	defaultRateMaxUser = 10000
)

// userLimiter is a token bucket per user id. It keeps the buckets of the
// maxUsers users seen last: the least recently seen one is dropped when a new
// user comes, so the map stays bounded whoever calls. A dropped user starts
// again with a full bucket, which costs at most one burst.
type userLimiter struct {
	limit    rate.Limit
	burst    int
	maxUsers int

	mu     sync.Mutex
	recent *list.List               // of *userBucket, most recently seen first
	byUser map[string]*list.Element // user id to its element in recent
}

type userBucket struct {
	user string
	lim  *rate.Limiter
}

// newUserLimiter limits each user to perSecond requests sustained and burst
// at once; nil (no limit) when perSecond is not positive.
func newUserLimiter(perSecond float64, burst, maxUsers int) *userLimiter {
	if perSecond <= 0 || math.IsInf(perSecond, 0) || math.IsNaN(perSecond) {
		return nil
	}
	return &userLimiter{
		limit:    rate.Limit(perSecond),
		burst:    max(burst, 1),
		maxUsers: max(maxUsers, 1),
		recent:   list.New(),
		byUser:   map[string]*list.Element{},
	}
}

// take spends one of the user's requests at now. When the bucket is empty
// it spends nothing and says how long until a request would be allowed.
func (l *userLimiter) take(user string, now time.Time) (wait time.Duration, ok bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var lim *rate.Limiter
	if e, seen := l.byUser[user]; seen {
		l.recent.MoveToFront(e)
		lim = e.Value.(*userBucket).lim
	} else {
		if l.recent.Len() >= l.maxUsers {
			oldest := l.recent.Back()
			l.recent.Remove(oldest)
			delete(l.byUser, oldest.Value.(*userBucket).user)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.byUser[user] = l.recent.PushFront(&userBucket{user: user, lim: lim})
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// size is how many users' buckets are kept.
func (l *userLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byUser)
}

// limitUser refuses the request with 429 and Retry-After when the user has
// used up their requests.
func (s *Server) limitUser(userID string) error {
	wait, ok := s.limiter.take(userID, time.Now())
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	p := typeTooMany.with("too many requests: try again in " + strconv.Itoa(secs) + " s")
	p.retryAfter = time.Duration(secs) * time.Second
	return p
}
