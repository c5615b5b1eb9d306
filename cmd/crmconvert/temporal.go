package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/api"
	tlog "go.temporal.io/sdk/log"
)

// dialTemporal connects to any Temporal cluster: the dev server, a
// self-hosted one with mutual TLS, or Temporal Cloud with an API key.
func dialTemporal(c temporalConfig, logger *slog.Logger, metrics client.MetricsHandler) (client.Client, error) {
	opts, err := temporalClientOptions(c, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = metrics
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", c.Address, c.Namespace, err)
	}
	return cl, nil
}

// temporalClientOptions builds the client's options from the configuration
// without connecting: TLS when asked for or implied, an API key as bearer
// credentials.
func temporalClientOptions(c temporalConfig, logger *slog.Logger) (client.Options, error) {
	opts := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal")),
	}
	tlsCfg, err := temporalTLS(c)
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	// A refusal for too many Updates in flight is final, so the API answers
	// 429 at once instead of retrying until its deadline.
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions, api.TemporalDialOptions()...)
	if c.Compression == "none" {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	return opts, nil
}

// temporalTLS returns nil (plain gRPC) unless TLS is asked for
// (TEMPORAL_TLS) or implied by a client certificate, a CA, a server name or
// an API key: Temporal Cloud only accepts API keys over TLS.
func temporalTLS(c temporalConfig) (*tls.Config, error) {
	if !c.TLS && c.TLSCert == "" && c.TLSKey == "" && c.TLSCA == "" && c.TLSServerName == "" && c.APIKey == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	switch {
	case c.TLSCert != "" && c.TLSKey != "":
		pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case c.TLSCert != "" || c.TLSKey != "":
		return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together")
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: no certificate in %s", c.TLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
