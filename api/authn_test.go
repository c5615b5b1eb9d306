package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// jwkOf is the public half of the key as a JWK.
func jwkOf(k *rsa.PrivateKey, kid string, extra map[string]any) map[string]any {
	m := map[string]any{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	return m
}

func jwksJSON(t *testing.T, keys ...map[string]any) []byte {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err)
	return raw
}

func TestParsePublicKeyPEM(t *testing.T) {
	key, _ := testRSAKeys(t)
	ks, err := ParsePublicKeyPEM(publicPEM(t, key))
	require.NoError(t, err)
	got, err := ks.key("any kid")
	require.NoError(t, err)
	assert.True(t, got.Equal(&key.PublicKey), "a PEM key verifies whatever kid a token names")

	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	_, err = ParsePublicKeyPEM(pkcs1)
	require.NoError(t, err)

	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	_, err = ParsePublicKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	require.NoError(t, err, "a certificate's key")

	private := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	_, err = ParsePublicKeyPEM(private)
	assert.ErrorContains(t, err, "private key")

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	_, err = ParsePublicKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	assert.ErrorContains(t, err, "not an RSA key")

	short, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	_, err = ParsePublicKeyPEM(publicPEM(t, short))
	assert.ErrorContains(t, err, "1024 bits")

	_, err = ParsePublicKeyPEM([]byte("not PEM"))
	assert.Error(t, err)

	_, err = LoadPublicKeyFile(filepath.Join(t.TempDir(), "missing.pem"))
	assert.Error(t, err)
}

func TestParseJWKS(t *testing.T) {
	key, other := testRSAKeys(t)
	ks, err := ParseJWKS(jwksJSON(t,
		jwkOf(key, "k1", nil),
		jwkOf(other, "k2", map[string]any{"use": nil, "alg": nil}),
		jwkOf(other, "enc", map[string]any{"use": "enc"}),
		jwkOf(other, "ps", map[string]any{"alg": "PS256"}),
		map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
	))
	require.NoError(t, err)
	k1, err := ks.key("k1")
	require.NoError(t, err)
	assert.True(t, k1.Equal(&key.PublicKey))
	k2, err := ks.key("k2")
	require.NoError(t, err)
	assert.True(t, k2.Equal(&other.PublicKey))
	for _, kid := range []string{"", "enc", "ps", "ec", "k3"} {
		_, err := ks.key(kid)
		assert.ErrorIs(t, err, errUnknownKey, "kid %q", kid)
	}

	one, err := ParseJWKS(jwksJSON(t, jwkOf(key, "only", nil)))
	require.NoError(t, err)
	_, err = one.key("")
	assert.NoError(t, err, "a token without kid is verified by the only key")

	refused := map[string][]byte{
		"private key":     jwksJSON(t, jwkOf(key, "k1", map[string]any{"d": "AQAB"})),
		"two keys":        jwksJSON(t, jwkOf(key, "k1", nil), jwkOf(other, "k1", nil)),
		"no signing key":  jwksJSON(t, jwkOf(key, "k1", map[string]any{"use": "enc"})),
		"bad modulus":     jwksJSON(t, jwkOf(key, "k1", map[string]any{"n": "!!"})),
		"even exponent":   jwksJSON(t, jwkOf(key, "k1", map[string]any{"e": "Ag"})),
		"short key":       jwksJSON(t, jwkOf(key, "k1", map[string]any{"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()[:64])})),
		"no keys":         []byte(`{"keys":[]}`),
		"not JSON":        []byte(`keys`),
		"exponent 5 byte": jwksJSON(t, jwkOf(key, "k1", map[string]any{"e": "AQAAAAE"})),
	}
	for name, doc := range refused {
		_, err := ParseJWKS(doc)
		assert.Error(t, err, name)
	}
}

func TestJWKSFileIsReadAgainWhenATokenNamesANewKey(t *testing.T) {
	key, other := testRSAKeys(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	require.NoError(t, os.WriteFile(path, jwksJSON(t, jwkOf(key, "k1", nil)), 0o600))
	ks, err := LoadJWKSFile(path)
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(path, jwksJSON(t, jwkOf(key, "k1", nil), jwkOf(other, "k2", nil)), 0o600))
	later := time.Now().Add(time.Minute)
	require.NoError(t, os.Chtimes(path, later, later))
	_, err = ks.key("k2")
	assert.ErrorIs(t, err, errUnknownKey, "the file is looked at again at most every %v", jwksRecheck)

	ks.lastCheck = time.Now().Add(-jwksRecheck)
	k2, err := ks.key("k2")
	require.NoError(t, err, "the rotated file is read")
	assert.True(t, k2.Equal(&other.PublicKey))

	require.NoError(t, os.WriteFile(path, []byte("broken"), 0o600))
	evenLater := later.Add(time.Minute)
	require.NoError(t, os.Chtimes(path, evenLater, evenLater))
	ks.lastCheck = time.Now().Add(-jwksRecheck)
	_, err = ks.key("k3")
	assert.ErrorIs(t, err, errUnknownKey)
	_, err = ks.key("k1")
	assert.NoError(t, err, "a broken file leaves the keys as they were")
}

// TestVerifier checks the token rules without a database: which algorithms,
// keys and claims each configuration accepts.
func TestVerifier(t *testing.T) {
	key, other := testRSAKeys(t)
	pubPEM := publicPEM(t, key)
	jwks, err := ParseJWKS(jwksJSON(t, jwkOf(key, "k1", nil), jwkOf(other, "k2", nil)))
	require.NoError(t, err)
	now := time.Now()
	user := demo.Sam
	with := func(changes jwt.MapClaims) jwt.MapClaims {
		c := claimsFor(user)
		for k, v := range changes {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	hs := func(c jwt.MapClaims) string { return signWith(t, jwt.SigningMethodHS256, testSecret, c) }
	rs := func(c jwt.MapClaims, header ...string) string {
		return signWith(t, jwt.SigningMethodRS256, key, c, header...)
	}

	hsOnly := Config{JWTSecret: testSecret}
	rsOnly := Config{JWTKeys: rsaKeySet(t, key)}
	both := Config{JWTSecret: testSecret, JWTKeys: rsaKeySet(t, key)}
	withJWKS := Config{JWTKeys: jwks}
	strict := Config{JWTSecret: testSecret, JWTKeys: rsaKeySet(t, key), JWTIssuer: "https://idp.test/", JWTAudience: "crmconvert"}

	tests := []struct {
		name  string
		cfg   Config
		token string
		ok    bool
	}{
		{"HS256 with the secret", hsOnly, hs(claimsFor(user)), true},
		{"RS256 when only HS256 is configured", hsOnly, rs(claimsFor(user)), false},
		{"RS256 with the PEM key", rsOnly, rs(claimsFor(user)), true},
		{"RS256 with the PEM key, any kid", rsOnly, rs(claimsFor(user), "kid", "whatever"), true},
		{"RS256 signed by another key", rsOnly, signWith(t, jwt.SigningMethodRS256, other, claimsFor(user)), false},
		{"HS256 when only RS256 is configured", rsOnly, hs(claimsFor(user)), false},
		{"HS/RS confusion: HS256 keyed with the public key, RS256 only", rsOnly,
			signWith(t, jwt.SigningMethodHS256, pubPEM, claimsFor(user)), false},
		{"HS/RS confusion: HS256 keyed with the public key, both configured", both,
			signWith(t, jwt.SigningMethodHS256, pubPEM, claimsFor(user)), false},
		{"HS256 when both are configured", both, hs(claimsFor(user)), true},
		{"RS256 when both are configured", both, rs(claimsFor(user)), true},
		{"alg none", both, signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(user)), false},
		{"HS512", both, signWith(t, jwt.SigningMethodHS512, testSecret, claimsFor(user)), false},
		{"RS512", both, signWith(t, jwt.SigningMethodRS512, key, claimsFor(user)), false},
		{"PS256", both, signWith(t, jwt.SigningMethodPS256, key, claimsFor(user)), false},
		{"JWKS kid k1", withJWKS, rs(claimsFor(user), "kid", "k1"), true},
		{"JWKS kid k2", withJWKS, signWith(t, jwt.SigningMethodRS256, other, claimsFor(user), "kid", "k2"), true},
		{"JWKS kid of another key", withJWKS, rs(claimsFor(user), "kid", "k2"), false},
		{"JWKS unknown kid", withJWKS, rs(claimsFor(user), "kid", "k9"), false},
		{"JWKS without kid, two keys", withJWKS, rs(claimsFor(user)), false},
		{"a key named by URL (jku, x5u) is never fetched", withJWKS, signWith(t, jwt.SigningMethodRS256, other, claimsFor(user),
			"kid", "k1", "jku", "https://evil.test/jwks.json", "x5u", "https://evil.test/cert.pem"), false},
		{"an embedded key (jwk) is never trusted", rsOnly, signWith(t, jwt.SigningMethodRS256, other, claimsFor(user),
			"jwk", `{"kty":"RSA"}`), false},
		{"no exp", both, hs(with(jwt.MapClaims{"exp": nil})), false},
		{"expired beyond the leeway", both, hs(with(jwt.MapClaims{"exp": now.Add(-tokenLeeway - 10*time.Second).Unix()})), false},
		{"expired within the leeway", both, hs(with(jwt.MapClaims{"exp": now.Add(-tokenLeeway + 10*time.Second).Unix()})), true},
		{"not before, within the leeway", both, hs(with(jwt.MapClaims{"nbf": now.Add(tokenLeeway - 10*time.Second).Unix()})), true},
		{"not before, beyond the leeway", both, hs(with(jwt.MapClaims{"nbf": now.Add(tokenLeeway + 10*time.Second).Unix()})), false},
		{"issued in the future", both, hs(with(jwt.MapClaims{"iat": now.Add(tokenLeeway + 10*time.Second).Unix()})), false},
		{"sub not a user id", both, hs(with(jwt.MapClaims{"sub": "sam"})), false},
		{"sub not canonical", both, hs(with(jwt.MapClaims{"sub": "{" + user + "}"})), false},
		{"no sub", both, hs(with(jwt.MapClaims{"sub": nil})), false},
		{"too long", both, hs(with(jwt.MapClaims{"pad": strings.Repeat("x", maxTokenLength)})), false},
		{"issuer and audience", strict, hs(with(jwt.MapClaims{"iss": "https://idp.test/", "aud": "crmconvert"})), true},
		{"audience among several", strict, rs(with(jwt.MapClaims{"iss": "https://idp.test/", "aud": []string{"other", "crmconvert"}})), true},
		{"no issuer", strict, hs(with(jwt.MapClaims{"aud": "crmconvert"})), false},
		{"another issuer", strict, hs(with(jwt.MapClaims{"iss": "https://evil.test/", "aud": "crmconvert"})), false},
		{"no audience", strict, hs(with(jwt.MapClaims{"iss": "https://idp.test/"})), false},
		{"another audience", strict, hs(with(jwt.MapClaims{"iss": "https://idp.test/", "aud": "other"})), false},
		{"no key configured", Config{}, hs(claimsFor(user)), false},
		{"no key configured, alg none", Config{}, signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(user)), false},
		{"garbage", both, "not.a.token", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := newVerifier(tt.cfg).verify(tt.token)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, user, id)
				return
			}
			require.Error(t, err)
			p, ok := err.(*Problem)
			require.True(t, ok, "%T %v", err, err)
			assert.Equal(t, http.StatusUnauthorized, p.Status)
			assert.NotContains(t, p.Detail, tt.token, "the answer does not repeat the token")
		})
	}
}

func TestIssueTokenFor(t *testing.T) {
	tok, err := IssueTokenFor(testSecret, demo.Sam, time.Hour, "https://idp.test/", "crmconvert")
	require.NoError(t, err)
	id, err := newVerifier(Config{JWTSecret: testSecret, JWTIssuer: "https://idp.test/", JWTAudience: "crmconvert"}).verify(tok)
	require.NoError(t, err)
	assert.Equal(t, demo.Sam, id)
	plain, err := IssueToken(testSecret, demo.Sam, time.Hour)
	require.NoError(t, err)
	_, err = newVerifier(Config{JWTSecret: testSecret, JWTIssuer: "https://idp.test/"}).verify(plain)
	assert.Error(t, err, "a token without iss is refused when an issuer is configured")
}

// TestRS256EndToEnd signs in with an RS256 token through the HTTP API
// configured with a JWKS file, as behind an identity provider.
func TestRS256EndToEnd(t *testing.T) {
	key, _ := testRSAKeys(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	require.NoError(t, os.WriteFile(path, jwksJSON(t, jwkOf(key, "k1", nil)), 0o600))
	ks, err := LoadJWKSFile(path)
	require.NoError(t, err)
	e := newEnvWith(t, func(c *Config) {
		c.JWTSecret = nil
		c.JWTKeys = ks
		c.JWTIssuer = "https://idp.test/"
		c.JWTAudience = "crmconvert"
	})
	good := signWith(t, jwt.SigningMethodRS256, key,
		withClaims(claimsFor(demo.Sam), jwt.MapClaims{"iss": "https://idp.test/", "aud": "crmconvert"}), "kid", "k1")
	r := e.call("", http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil, "Authorization", "Bearer "+good)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	hsToken, err := IssueTokenFor(testSecret, demo.Sam, time.Hour, "https://idp.test/", "crmconvert")
	require.NoError(t, err)
	r = e.call("", http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil, "Authorization", "Bearer "+hsToken)
	r.problem(t, http.StatusUnauthorized)
	assert.NotContains(t, e.logs.String(), good[strings.LastIndexByte(good, '.')+1:], "no token in the logs")
}

func withClaims(c jwt.MapClaims, changes jwt.MapClaims) jwt.MapClaims {
	for k, v := range changes {
		c[k] = v
	}
	return c
}
