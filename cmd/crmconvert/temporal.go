package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// dialTemporal connects to any Temporal cluster: the dev server, a
// self-hosted one with mutual TLS, or Temporal Cloud with an API key.
func dialTemporal(c temporalConfig, logger *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal")),
	}
	tlsCfg, err := temporalTLS(c)
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
		if opts.ConnectionOptions.TLS == nil {
			opts.ConnectionOptions.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", c.Address, c.Namespace, err)
	}
	return cl, nil
}

func temporalTLS(c temporalConfig) (*tls.Config, error) {
	if c.TLSCert == "" && c.TLSCA == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
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
