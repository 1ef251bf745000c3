//go:build !unix

package sfu

import "errors"

// freeDisk is not measured here: the floor is not enforced, and the
// monitor says so once in the log.
func freeDisk(string) (int64, error) {
	return 0, errors.ErrUnsupported
}
