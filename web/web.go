package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is where the pages are served: Pages answers every path under it.
const Prefix = "/app/"

//go:embed static
var static embed.FS

// contentSecurityPolicy lets the pages load their own scripts, styles and
// images and talk to their own origin, and nothing else: no inline script,
// no third-party origin, no plugin, no form posting elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'"

// contentTypes are the types of the embedded files, by extension; fixed
// here rather than read from the machine's MIME database, which varies.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
}

// file is one embedded file, read once, with its content type and ETag.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// pages serves the embedded files.
type pages struct {
	files map[string]file // by path below static/, such as "assets/app.js"
	index file
}

// Pages serves the pages: files under /app/assets/ by name, and index.html
// for every other path under /app/, so that the page's own routes
// (/app/opportunities/{id}, /app/orders/{id}, ...) can be opened, bookmarked
// and reloaded. Answers carry a strict Content-Security-Policy, no referrer,
// and an ETag; they are revalidated on each load (Cache-Control: no-cache),
// so a new binary's pages are seen at once.
func Pages() http.Handler {
	p := &pages{files: map[string]file{}}
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct, known := contentTypes[path.Ext(name)]
		if !known {
			ct = "application/octet-stream"
		}
		p.files[strings.TrimPrefix(name, "static/")] = file{
			body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		panic("web: embedded files: " + err.Error()) // cannot happen: they are compiled in
	}
	p.index = p.files["index.html"]
	p.index.contentType = "text/html; charset=utf-8"
	return p
}

func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	f := p.index
	if strings.HasPrefix(rest, "assets/") {
		asset, found := p.files[rest]
		if !found {
			http.NotFound(w, r)
			return
		}
		f = asset
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	// http.ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// Redirect sends the bare address (/) to the pages.
func Redirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, Prefix, http.StatusFound)
}
