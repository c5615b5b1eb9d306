package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadAuthConfig(t *testing.T) {
	env := map[string]string{
		"AUTH_JWT_PUBLIC_KEY_FILE": "/keys/idp.pem",
		"AUTH_JWT_ISSUER":          "https://idp.example/",
		"AUTH_JWT_AUDIENCE":        "crmconvert",
		"HTTP_RATE_LIMIT":          "2.5",
		"HTTP_RATE_BURST":          "20",
	}
	load := func() (config, error) { return loadConfig(func(k string) string { return env[k] }) }
	cfg, err := load()
	require.NoError(t, err)
	require.Equal(t, authConfig{PublicKeyFile: "/keys/idp.pem", Issuer: "https://idp.example/", Audience: "crmconvert",
		RateLimit: 2.5, RateBurst: 20}, cfg.Auth)

	env["HTTP_RATE_LIMIT"] = "off"
	cfg, err = load()
	require.NoError(t, err)
	require.Negative(t, cfg.Auth.RateLimit, "off: no limit")

	defaults, err := loadConfig(func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, authConfig{}, defaults.Auth, "zero: the API's defaults")

	for name, bad := range map[string]string{
		"HTTP_RATE_LIMIT": "0", "HTTP_RATE_BURST": "-3", "AUTH_JWKS_FILE": "/keys/jwks.json",
	} {
		env := map[string]string{"AUTH_JWT_PUBLIC_KEY_FILE": "/keys/idp.pem", name: bad}
		_, err := loadConfig(func(k string) string { return env[k] })
		require.ErrorContains(t, err, name)
	}
	for _, bad := range []string{"fast", "-1", "NaN"} {
		_, err := loadConfig(func(k string) string { return map[string]string{"HTTP_RATE_LIMIT": bad}[k] })
		require.ErrorContains(t, err, "HTTP_RATE_LIMIT", bad)
	}
}

func TestJWTKeys(t *testing.T) {
	ks, err := jwtKeys(authConfig{})
	require.NoError(t, err)
	require.Nil(t, ks, "no key file: no RS256")

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "idp.pem")
	require.NoError(t, os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))
	ks, err = jwtKeys(authConfig{PublicKeyFile: pemFile})
	require.NoError(t, err)
	require.NotNil(t, ks)

	_, err = jwtKeys(authConfig{JWKSFile: filepath.Join(dir, "missing.json")})
	require.ErrorContains(t, err, "AUTH_JWKS_FILE")
	_, err = jwtKeys(authConfig{PublicKeyFile: filepath.Join(dir, "missing.pem")})
	require.ErrorContains(t, err, "AUTH_JWT_PUBLIC_KEY_FILE")
}
