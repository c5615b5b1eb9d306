package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A stop (SIGTERM in a container) lets a request already in flight finish
// with its answer, and the server refuses new connections meanwhile.
func TestServeHTTPDrainsRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	started := make(chan struct{})
	release := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		_, _ = io.WriteString(w, "done "+r.URL.Path)
	})
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, ln, handler, 10*time.Second) }()

	type answer struct {
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- answer{string(b), err}
	}()
	<-started
	stop()

	// The listener closes at once: a new request cannot connect.
	require.Eventually(t, func() bool {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
		_, err := c.Get(base + "/new")
		return err != nil
	}, 5*time.Second, 20*time.Millisecond)
	select {
	case err := <-served:
		t.Fatalf("returned before the request in flight finished: %v", err)
	default:
	}

	close(release)
	got := <-slow
	require.NoError(t, got.err)
	require.Equal(t, "done /slow", got.body)
	require.NoError(t, <-served)
}

// Past the drain time the server gives up on a request that does not end.
func TestServeHTTPDrainIsBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	started := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, ln, handler, 200*time.Millisecond) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	stop()
	select {
	case err := <-served:
		require.ErrorContains(t, err, "drain HTTP requests")
	case <-time.After(5 * time.Second):
		t.Fatal("the drain did not time out")
	}
}

func TestHealthCommand(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ready") })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "temporal unreachable", http.StatusServiceUnavailable)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, runHealth(ctx, config{HTTPAddr: ":" + port}, nil), "default: /readyz on HTTP_ADDR's port")
	require.NoError(t, runHealth(ctx, config{}, []string{"http://" + ln.Addr().String() + "/readyz"}))
	require.ErrorContains(t, runHealth(ctx, config{}, []string{"http://" + ln.Addr().String() + "/down"}), "503")
	require.ErrorIs(t, runHealth(ctx, config{}, []string{"a", "b"}), errUsage)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := free.Addr().String()
	free.Close()
	require.Error(t, runHealth(ctx, config{}, []string{"http://" + addr + "/readyz"}), "nothing listens")
}
