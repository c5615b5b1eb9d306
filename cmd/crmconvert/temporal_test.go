package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"go.temporal.io/sdk/client"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTemporalClientOptions(t *testing.T) {
	pki := newTestPKI(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name      string
		cfg       temporalConfig
		wantTLS   bool
		wantCreds bool
		wantCerts int
		wantCA    bool
		wantSNI   string
		wantErr   string
	}{
		{name: "dev server: plain gRPC", cfg: temporalConfig{Address: "127.0.0.1:7233"}},
		{name: "TLS with the system's roots", cfg: temporalConfig{TLS: true}, wantTLS: true},
		{name: "Temporal Cloud API key implies TLS", cfg: temporalConfig{APIKey: "key"}, wantTLS: true, wantCreds: true},
		{name: "mutual TLS", cfg: temporalConfig{TLSCert: pki.clientCert, TLSKey: pki.clientKey}, wantTLS: true, wantCerts: 1},
		{
			name:    "private CA and server name",
			cfg:     temporalConfig{TLSCA: pki.caFile, TLSServerName: "temporal.internal"},
			wantTLS: true, wantCA: true, wantSNI: "temporal.internal",
		},
		{
			name:    "everything at once",
			cfg:     temporalConfig{APIKey: "key", TLSCert: pki.clientCert, TLSKey: pki.clientKey, TLSCA: pki.caFile},
			wantTLS: true, wantCreds: true, wantCerts: 1, wantCA: true,
		},
		{name: "cert without key", cfg: temporalConfig{TLSCert: pki.clientCert}, wantErr: "must be set together"},
		{name: "key without cert", cfg: temporalConfig{TLSKey: pki.clientKey}, wantErr: "must be set together"},
		{name: "unreadable key pair", cfg: temporalConfig{TLSCert: pki.clientCert, TLSKey: pki.caFile}, wantErr: "TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY"},
		{name: "missing CA file", cfg: temporalConfig{TLSCA: filepath.Join(t.TempDir(), "none.pem")}, wantErr: "TEMPORAL_TLS_CA"},
		{name: "CA file without a certificate", cfg: temporalConfig{TLSCA: pki.clientKey}, wantErr: "no certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Namespace = "ns.acct"
			opts, err := temporalClientOptions(tc.cfg, logger)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "ns.acct", opts.Namespace)
			require.Equal(t, tc.wantCreds, opts.Credentials != nil, "credentials")
			tlsCfg := opts.ConnectionOptions.TLS
			require.Equal(t, tc.wantTLS, tlsCfg != nil, "TLS")
			if tlsCfg == nil {
				return
			}
			require.GreaterOrEqual(t, tlsCfg.MinVersion, uint16(tls.VersionTLS12))
			require.Len(t, tlsCfg.Certificates, tc.wantCerts)
			require.Equal(t, tc.wantCA, tlsCfg.RootCAs != nil, "root CAs")
			require.Equal(t, tc.wantSNI, tlsCfg.ServerName)
		})
	}
}

// The TLS configuration built from files really completes a handshake with
// a server that requires a client certificate and presents one for another
// name than the address dialled: TEMPORAL_TLS_SERVER_NAME is what makes it
// pass.
func TestTemporalTLSHandshake(t *testing.T) {
	pki := newTestPKI(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pki.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.pool,
		MinVersion:   tls.VersionTLS12,
	})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.(*tls.Conn).Handshake()
				_, _ = conn.Write([]byte("ok"))
			}()
		}
	}()

	handshake := func(c temporalConfig) error {
		cfg, err := temporalTLS(c)
		require.NoError(t, err)
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), cfg)
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = io.ReadAll(conn) // the server's "ok", or its alert for a missing client certificate
		return err
	}
	full := temporalConfig{TLSCert: pki.clientCert, TLSKey: pki.clientKey, TLSCA: pki.caFile, TLSServerName: "temporal.internal"}
	require.NoError(t, handshake(full))

	noName := full
	noName.TLSServerName = ""
	require.ErrorContains(t, handshake(noName), "certificate", "the server's certificate is for temporal.internal, not 127.0.0.1")

	noCA := full
	noCA.TLSCA = ""
	require.ErrorContains(t, handshake(noCA), "certificate", "a private CA is not in the system's roots")

	noClientCert := full
	noClientCert.TLSCert, noClientCert.TLSKey = "", ""
	require.ErrorContains(t, handshake(noClientCert), "certificate required")
}

// testPKI is a private CA with a server certificate for temporal.internal and
// a client certificate, written as PEM files the way they would be mounted.
type testPKI struct {
	caFile, clientCert, clientKey string
	server                        tls.Certificate
	pool                          *x509.CertPool
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	issue := func(serial int64, usage x509.ExtKeyUsage, dns []string) (certPEM, keyPEM []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: fmt.Sprintf("test %d", serial)},
			DNSNames:     dns,
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		require.NoError(t, err)
		keyDER, err := x509.MarshalECPrivateKey(key)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		return path
	}
	p := testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.caFile = write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	clientCert, clientKey := issue(2, x509.ExtKeyUsageClientAuth, nil)
	p.clientCert, p.clientKey = write("client.pem", clientCert), write("client.key", clientKey)
	serverCert, serverKey := issue(3, x509.ExtKeyUsageServerAuth, []string{"temporal.internal"})
	p.server, err = tls.X509KeyPair(serverCert, serverKey)
	require.NoError(t, err)
	return p
}

func TestGRPCCompression(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts, err := temporalClientOptions(temporalConfig{}, logger)
	require.NoError(t, err)
	require.Nil(t, opts.ConnectionOptions.GrpcCompression, "the SDK's default: gzip")
	opts, err = temporalClientOptions(temporalConfig{Compression: "none"}, logger)
	require.NoError(t, err)
	require.IsType(t, &client.GrpcCompressionNone{}, opts.ConnectionOptions.GrpcCompression)

	_, err = loadConfig(func(k string) string {
		return map[string]string{"TEMPORAL_GRPC_COMPRESSION": "brotli"}[k]
	})
	require.ErrorContains(t, err, "TEMPORAL_GRPC_COMPRESSION")
}
