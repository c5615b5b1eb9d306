package api

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Bounds of the RSA keys RS256 tokens are verified with: shorter keys are
// breakable, longer ones make each verification needlessly slow.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// jwksRecheck is how often, at most, a token naming a key id the JWKS file
// does not hold makes the API look whether the file has changed: an identity
// provider's new key counts without a restart, and a stream of tokens with
// made-up key ids costs at most one stat of the file per period.
const jwksRecheck = 30 * time.Second

// KeySet holds the RSA public keys RS256 tokens are verified with: one key
// from a PEM file, or the signing keys of a JWKS file by key id ("kid").
// It is safe for concurrent use.
type KeySet struct {
	// path is the JWKS file, re-read when it changes; "" for a PEM key or
	// keys given as bytes.
	path string

	mu        sync.RWMutex
	keys      map[string]*rsa.PublicKey // by kid; a PEM key under ""
	single    bool                      // a PEM key: it verifies whatever kid a token names
	modTime   time.Time                 // of the JWKS file when it was read
	lastCheck time.Time
}

// LoadPublicKeyFile reads the RSA public key of a PEM file: a "PUBLIC KEY"
// (PKIX), an "RSA PUBLIC KEY" (PKCS #1) or a "CERTIFICATE".
func LoadPublicKeyFile(path string) (*KeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	ks, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// ParsePublicKeyPEM reads one RSA public key from PEM data.
func ParsePublicKeyPEM(data []byte) (*KeySet, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, errors.New("this is a private key: give the API the public key only")
		}
		return nil, fmt.Errorf("a PEM %q block is not a public key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T, not an RSA key", key)
	}
	if err := checkRSAKey(pub); err != nil {
		return nil, err
	}
	return &KeySet{keys: map[string]*rsa.PublicKey{"": pub}, single: true}, nil
}

// LoadJWKSFile reads the RSA signing keys of a JWKS file (RFC 7517). The
// file is read again when a token names a key id it does not hold and the
// file has changed since, at most once per jwksRecheck.
func LoadJWKSFile(path string) (*KeySet, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &KeySet{path: path, keys: keys, modTime: info.ModTime(), lastCheck: time.Now()}, nil
}

// ParseJWKS reads the RSA signing keys of a JWKS document.
func ParseJWKS(data []byte) (*KeySet, error) {
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, err
	}
	return &KeySet{keys: keys}, nil
}

// jwk is the part of a JSON Web Key an RSA verification key uses.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	Alg    string   `json:"alg"`
	KeyOps []string `json:"key_ops"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	D      string   `json:"d"`
}

// parseJWKS keeps the keys that may verify RS256 signatures: kty RSA, use
// sig (or none), alg RS256 (or none), key_ops with verify (or none). Keys of
// other types and uses are skipped; a broken RSA key, a private key, or two
// keys with one kid are errors, and so is a set with no usable key.
func parseJWKS(data []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&set); err != nil {
		return nil, fmt.Errorf("not a JWKS document: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for i, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") ||
			(len(k.KeyOps) > 0 && !slices.Contains(k.KeyOps, "verify")) {
			continue
		}
		at := fmt.Sprintf("keys[%d] (kid %q)", i, k.Kid)
		if k.D != "" {
			return nil, fmt.Errorf("%s is a private key: give the API the public keys only", at)
		}
		pub, err := rsaKeyOf(k.N, k.E)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		if _, dup := keys[k.Kid]; dup {
			return nil, fmt.Errorf("%s: two keys have this kid", at)
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("no RSA signing key (kty RSA, use sig, alg RS256)")
	}
	return keys, nil
}

// rsaKeyOf builds a public key from its base64url modulus and exponent.
func rsaKeyOf(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(n, "="))
	if err != nil || len(nb) == 0 {
		return nil, errors.New("n is not a base64url number")
	}
	eb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(e, "="))
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("e is not a base64url number of at most 4 bytes")
	}
	exp := 0
	for _, b := range eb {
		exp = exp<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: exp}
	if err := checkRSAKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func checkRSAKey(pub *rsa.PublicKey) error {
	if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
		return fmt.Errorf("an RSA key of %d bits: %d to %d are accepted", bits, minRSABits, maxRSABits)
	}
	if pub.E < 3 || pub.E%2 == 0 || pub.E > 1<<31-1 {
		return fmt.Errorf("an RSA key with exponent %d", pub.E)
	}
	return nil
}

// errUnknownKey says a token names a key the API does not have.
var errUnknownKey = errors.New("the token names no key of the API's")

// key is the key that verifies a token naming kid ("" when it names none):
// a PEM key verifies any; a JWKS key must be named, unless the set holds
// exactly one.
func (ks *KeySet) key(kid string) (*rsa.PublicKey, error) {
	if k, ok := ks.lookup(kid); ok {
		return k, nil
	}
	if ks.path != "" && ks.reload() {
		if k, ok := ks.lookup(kid); ok {
			return k, nil
		}
	}
	return nil, errUnknownKey
}

func (ks *KeySet) lookup(kid string) (*rsa.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	if ks.single {
		return ks.keys[""], true
	}
	if kid == "" && len(ks.keys) == 1 {
		for _, k := range ks.keys {
			return k, true
		}
	}
	k, ok := ks.keys[kid]
	return k, ok
}

// reload reads the JWKS file again if it changed, at most once per
// jwksRecheck; it reports whether the keys changed. A file that has become
// unreadable or invalid leaves the keys as they were.
func (ks *KeySet) reload() bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := time.Now()
	if now.Sub(ks.lastCheck) < jwksRecheck {
		return false
	}
	ks.lastCheck = now
	info, err := os.Stat(ks.path)
	if err != nil || info.ModTime().Equal(ks.modTime) {
		return false
	}
	data, err := os.ReadFile(ks.path)
	if err != nil {
		return false
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return false
	}
	ks.keys, ks.modTime = keys, info.ModTime()
	return true
}
