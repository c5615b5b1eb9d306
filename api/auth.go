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
	return IssueTokenFor(secret, userID, ttl, "", "")
}

// IssueTokenFor signs an HS256 bearer token for the user, valid for ttl,
// naming the issuer and the audience unless they are "": an API configured
// with AUTH_JWT_ISSUER or AUTH_JWT_AUDIENCE refuses tokens without them.
func IssueTokenFor(secret []byte, userID string, ttl time.Duration, issuer, audience string) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("issue token: no secret")
	}
	now := time.Now()
	claims := jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	if audience != "" {
		claims.Audience = jwt.ClaimStrings{audience}
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	signed, err := token.SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return signed, nil
}

type callerKey struct{}

// tokenLeeway is the clock difference between the token's issuer and the
// API that exp, nbf and iat tolerate.
const tokenLeeway = 30 * time.Second

// maxTokenLength bounds the bearer token the API reads.
const maxTokenLength = 8 << 10

// authenticate resolves the bearer token to a user read from the database
// now, so that a changed role or permission counts at once, and holds the
// user to their rate limit. Tokens are never logged: not here, not in the
// access log (which has no headers), not in errors.
func (s *Server) authenticate(c *gin.Context) {
	u, err := s.caller(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(callerKey{}, u)
	c.Next()
}

// verifier checks bearer tokens: only the algorithms the API has a key for
// (HS256 with the secret, RS256 with the public keys), each verified with
// its own key, so that no token picks its key by naming an algorithm.
type verifier struct {
	secret []byte
	keys   *KeySet
	parser *jwt.Parser
}

func newVerifier(cfg Config) *verifier {
	v := &verifier{secret: cfg.JWTSecret, keys: cfg.JWTKeys}
	var methods []string
	if len(v.secret) > 0 {
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	if v.keys != nil {
		methods = append(methods, jwt.SigningMethodRS256.Alg())
	}
	if len(methods) == 0 {
		return v // no parser: every token is refused
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tokenLeeway),
	}
	if cfg.JWTIssuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.JWTIssuer))
	}
	if cfg.JWTAudience != "" {
		opts = append(opts, jwt.WithAudience(cfg.JWTAudience))
	}
	v.parser = jwt.NewParser(opts...)
	return v
}

// key is the key of the token's algorithm; the parser has already refused
// any algorithm not configured.
func (v *verifier) key(t *jwt.Token) (any, error) {
	switch t.Method.Alg() {
	case jwt.SigningMethodHS256.Alg():
		return v.secret, nil
	case jwt.SigningMethodRS256.Alg():
		kid, _ := t.Header["kid"].(string)
		return v.keys.key(kid)
	}
	return nil, errors.New("unexpected algorithm")
}

// verify checks the token's signature and claims, and returns the user id it names.
func (v *verifier) verify(raw string) (string, error) {
	if v.parser == nil {
		return "", typeUnauthorized.with("tokens cannot be checked: the API has no key")
	}
	if len(raw) > maxTokenLength {
		return "", typeUnauthorized.with("the token is not valid")
	}
	var claims jwt.RegisteredClaims
	_, err := v.parser.ParseWithClaims(raw, &claims, v.key)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", typeUnauthorized.with("the token has expired")
	case err != nil:
		return "", typeUnauthorized.with("the token is not valid")
	}
	id, err := uuid.Parse(claims.Subject)
	if err != nil || id.String() != strings.ToLower(claims.Subject) {
		return "", typeUnauthorized.with("the token names no user")
	}
	return id.String(), nil
}

func (s *Server) caller(c *gin.Context) (*crm.User, error) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, typeUnauthorized.with("send a token: Authorization: Bearer <token>")
	}
	userID, err := s.verifier.verify(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	// The limit counts before the database is asked, so that a flood of
	// requests with one valid token costs no queries.
	if err := s.limitUser(userID); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(c.Request.Context(), userID)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		return nil, typeUnauthorized.with("the token's user is unknown")
	case err != nil:
		return nil, fmt.Errorf("read user %s: %w", userID, err)
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
