package api

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/worker"
)

// newEnvWith is newEnv with the API's configuration changed by configure.
func newEnvWith(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	db, _ := crmtest.Seeded(t)
	store := crm.NewStore(db)
	queue := "api-test-" + uuid.NewString()
	w := worker.New(temporalClient, queue, store, sdkworker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	cfg := Config{JWTSecret: testSecret, TaskQueue: queue, RequestTimeout: 30 * time.Second}
	configure(&cfg)
	logs := &syncBuffer{}
	srv := New(cfg, Deps{Store: store, Temporal: temporalClient, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(endConversions) // first, while the worker still runs
	return &env{t: t, db: db, url: hs.URL, logs: logs}
}

// The RSA keys of the tests, made once: rsaKey is the one the API knows
// (as a PEM file and as kid "k1" of a JWKS), otherRSAKey one it does not.
var (
	rsaKeysOnce         sync.Once
	rsaKey, otherRSAKey *rsa.PrivateKey
)

func testRSAKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	rsaKeysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherRSAKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey, otherRSAKey
}

// publicPEM is the key's public half as a PEM "PUBLIC KEY" block.
func publicPEM(t testing.TB, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// rsaKeySet is a KeySet of the key's public half, as the API would read it from a PEM file.
func rsaKeySet(t testing.TB, k *rsa.PrivateKey) *KeySet {
	t.Helper()
	ks, err := ParsePublicKeyPEM(publicPEM(t, k))
	require.NoError(t, err)
	return ks
}

// signWith signs claims with the method and key, adding the header fields.
func signWith(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims, header ...string) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for i := 0; i+1 < len(header); i += 2 {
		tok.Header[header[i]] = header[i+1]
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// claimsFor are valid claims for the user, for an hour.
func claimsFor(userID string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"sub": userID, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}
