package hub

import (
	"net/http"

	"dutyroom/assets/fonts"
)

// serveFont serves the Chinese font the client ships, so the join page
// reads as Chinese on a leader's machine without Chinese system fonts (a
// locked-down laptop, a fresh Linux). The page has no other way to get a
// font: the duty-room network has no way out.
func serveFont(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the font is only read", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "font/otf")
	h.Set("X-Content-Type-Options", "nosniff")
	// The font changes only with the program; a day's cache spares a
	// leader on a slow link the 3.5 MB at every join.
	h.Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(fonts.Regular)
}
