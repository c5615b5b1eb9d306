package api

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/crmconvert/crmconvert/crm"
)

// IssueToken signs an HS256 bearer token for the user, valid for ttl.
func IssueToken(secret []byte, userID string, ttl time.Duration) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("issue token: no secret")
	}
	now := time.Now()
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	})
	signed, err := token.SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return signed, nil
}

type callerKey struct{}

// authenticate resolves the bearer token to a user read from the database
// now, so that a changed role or permission counts at once.
func (s *Server) authenticate(c *gin.Context) {
	u, err := s.caller(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(callerKey{}, u)
	c.Next()
}

func (s *Server) caller(c *gin.Context) (*crm.User, error) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, typeUnauthorized.with("send a token: Authorization: Bearer <token>")
	}
	if len(s.cfg.JWTSecret) == 0 {
		return nil, typeUnauthorized.with("tokens cannot be checked: the API has no key")
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims,
		func(*jwt.Token) (any, error) { return s.cfg.JWTSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, typeUnauthorized.with("the token has expired")
	case err != nil:
		return nil, typeUnauthorized.with("the token is not valid")
	}
	if _, err := uuid.Parse(claims.Subject); err != nil {
		return nil, typeUnauthorized.with("the token names no user")
	}
	u, err := s.store.UserByID(c.Request.Context(), claims.Subject)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		return nil, typeUnauthorized.with("the token's user is unknown")
	case err != nil:
		return nil, fmt.Errorf("read user %s: %w", claims.Subject, err)
	case !u.Active:
		return nil, typeUnauthorized.with("the token's user is inactive")
	}
	return u, nil
}

// callerOf is the authenticated user; only for routes behind authenticate.
func callerOf(c *gin.Context) *crm.User { return c.MustGet(callerKey{}).(*crm.User) }

// callerOrNil is the authenticated user, nil before or without authentication.
func callerOrNil(c *gin.Context) *crm.User {
	v, _ := c.Get(callerKey{})
	u, _ := v.(*crm.User)
	return u
}
