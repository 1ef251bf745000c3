package app

import "context"

// DocumentNumbers numbers the bulletins a station issues (第N期), one
// series per station per year without gaps.
type DocumentNumbers interface {
	// DocumentNumber returns the year and number of record's document,
	// giving it the next number of station's series for year the first
	// time; later calls return what was given. EINVALID for a nil id or
	// a year outside 2000–2999.
	DocumentNumber(ctx context.Context, station, record ID, year int) (int, int, error)
}
