package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return tok
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.NewRaw("UPDATE users SET active = false WHERE id = ?", demo.Mia).Exec(t.Context())
	require.NoError(t, err)
	inAnHour := time.Now().Add(time.Hour).Unix()
	valid := token(t, demo.Sam)
	expired, err := IssueToken(testSecret, demo.Sam, -time.Minute)
	require.NoError(t, err)

	tests := []struct {
		name          string
		authorization string
		status        int
	}{
		{"valid", "Bearer " + valid, http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"not a bearer token", "Basic c2FtOnNhbQ==", http.StatusUnauthorized},
		{"garbage", "Bearer not.a.token", http.StatusUnauthorized},
		{"bad signature", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte("another secret"),
			jwt.MapClaims{"sub": demo.Sam, "exp": inAnHour}), http.StatusUnauthorized},
		{"expired", "Bearer " + expired, http.StatusUnauthorized},
		{"alg none", "Bearer " + signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType,
			jwt.MapClaims{"sub": demo.Sam, "exp": inAnHour}), http.StatusUnauthorized},
		{"another algorithm", "Bearer " + signed(t, jwt.SigningMethodHS512, testSecret,
			jwt.MapClaims{"sub": demo.Sam, "exp": inAnHour}), http.StatusUnauthorized},
		{"no exp", "Bearer " + signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": demo.Sam}), http.StatusUnauthorized},
		{"unknown user", "Bearer " + signed(t, jwt.SigningMethodHS256, testSecret,
			jwt.MapClaims{"sub": uuid.NewString(), "exp": inAnHour}), http.StatusUnauthorized},
		{"sub not a user id", "Bearer " + signed(t, jwt.SigningMethodHS256, testSecret,
			jwt.MapClaims{"sub": "sam", "exp": inAnHour}), http.StatusUnauthorized},
		{"inactive user", "Bearer " + token(t, demo.Mia), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("", http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil, "Authorization", tt.authorization)
			if tt.status == http.StatusOK {
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				return
			}
			p := r.problem(t, tt.status)
			assert.Equal(t, problemBase+"unauthorized", p.Type)
			assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
		})
	}

	logs := e.logs.String()
	assert.Contains(t, logs, `"route":"/v1/opportunities/:id"`, "requests are logged")
	assert.NotContains(t, logs, "Bearer")
	assert.NotContains(t, logs, valid[strings.LastIndexByte(valid, '.')+1:], "no token in the logs")
}

func TestARevokedPermissionCountsAtOnce(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)
	e.call(demo.Mia, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	_, err := e.db.NewRaw("UPDATE users SET permissions = '{}' WHERE id = ?", demo.Mia).Exec(t.Context())
	require.NoError(t, err)
	e.call(demo.Mia, http.MethodPost, path, nil).problem(t, http.StatusForbidden)
	e.call(demo.Mia, http.MethodPost, path+"/back", nil).problem(t, http.StatusForbidden)
}
