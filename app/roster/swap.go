package roster

import (
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// SwapState is where a swap request is in its life.
type SwapState string

const (
	SwapPending  SwapState = "pending"
	SwapApproved SwapState = "approved"
	SwapRejected SwapState = "rejected"
)

// Valid reports whether s is a known state.
func (s SwapState) Valid() bool { return s == SwapPending || s == SwapApproved || s == SwapRejected }

// Slot is one held post: who holds which post on which day.
type Slot struct {
	Day    Date
	Post   Post
	Person app.ID
}

// SwapRequest asks to exchange two duties: First's person takes Second's
// post and the other way round. It takes effect only when a leader of the
// station approves it, because the leader answers for the day.
type SwapRequest struct {
	ID          app.ID
	Station     app.ID
	First       Slot
	Second      Slot
	Reason      string
	RequestedBy string
	RequestedAt time.Time
	State       SwapState
	DecidedBy   app.ID // the approving or rejecting leader
	DecidedAt   time.Time
	Note        string // the leader's remark, e.g. why it was rejected
}

// Validate checks the request on its own. EINVALID with the field. The
// service checks that both slots are held as stated.
func (s *SwapRequest) Validate() error {
	s.Reason = strings.TrimSpace(s.Reason)
	switch {
	case s.Station == app.NilID:
		return app.FieldErrorf("station", "a swap belongs to a station")
	case !s.First.Day.Valid() || !s.Second.Day.Valid():
		return app.FieldErrorf("day", "both duty days are required")
	case s.First.Person == app.NilID || s.Second.Person == app.NilID:
		return app.FieldErrorf("person", "a swap needs a person on each side")
	case s.First.Person == s.Second.Person:
		return app.FieldErrorf("person", "a person cannot swap with themselves")
	case s.First.Day == s.Second.Day && s.First.Post == s.Second.Post:
		return app.FieldErrorf("post", "both sides name the same post")
	case utf8.RuneCountInString(s.Reason) > 200:
		return app.FieldErrorf("reason", "reason is longer than 200 characters")
	case s.State != "" && !s.State.Valid():
		return app.FieldErrorf("state", "unknown swap state %q", s.State)
	}
	if err := s.First.Post.Validate(); err != nil {
		return err
	}
	return s.Second.Post.Validate()
}

// CheckSwap checks that each person may take the other's post: first and
// second are the people of s.First and s.Second. EINVALID otherwise.
func CheckSwap(s *SwapRequest, first, second *app.Person) error {
	if !second.Has(s.First.Post.Role) {
		return app.FieldErrorf("person", "%s cannot take the %s post of %s: not a %s", second.Name, s.First.Post.Role, s.First.Day, s.First.Post.Role)
	}
	if !first.Has(s.Second.Post.Role) {
		return app.FieldErrorf("person", "%s cannot take the %s post of %s: not a %s", first.Name, s.Second.Post.Role, s.Second.Day, s.Second.Post.Role)
	}
	return nil
}

// CanDecide checks that p may approve or reject swaps at the station: a
// leader of that station. EFORBIDDEN otherwise.
func CanDecide(s *SwapRequest, p *app.Person) error {
	if p == nil || p.Station != s.Station || !p.Has(app.RoleLeader) {
		return app.Errorf(app.EFORBIDDEN, "only a leader of the station may approve or reject a swap")
	}
	return nil
}

// Changes returns the two audit entries that carry out an approved swap.
// The service assigns their IDs.
func (s *SwapRequest) Changes(author string, at time.Time) []Change {
	reason := "swap"
	if s.Reason != "" {
		reason = "swap: " + s.Reason
	}
	return []Change{
		{Station: s.Station, At: at, Author: author, Day: s.First.Day, Post: s.First.Post,
			Before: s.First.Person, After: s.Second.Person, Reason: reason, Swap: s.ID},
		{Station: s.Station, At: at, Author: author, Day: s.Second.Day, Post: s.Second.Post,
			Before: s.Second.Person, After: s.First.Person, Reason: reason, Swap: s.ID},
	}
}

// CheckAssignment checks a manual assignment against the person and their
// other duties (at every station) and absences, as the service must before
// storing it. It returns EINVALID when the person may not take the role, and
// ECONFLICT when they hold another post that day or are away. Too little rest
// is allowed, because an office short of people may decide so, but returned
// as a warning to show.
func CheckAssignment(a Assignment, p *app.Person, duties []Assignment, absences []Absence, minRest int) (warnings []string, err error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if p == nil || p.ID != a.Person {
		return nil, app.Errorf(app.ENOTFOUND, "the person of the assignment is not known")
	}
	if !p.Has(a.Post.Role) {
		return nil, app.FieldErrorf("person", "%s may not take the %s post", p.Name, a.Post.Role)
	}
	for _, ab := range absences {
		if ab.Person == p.ID && ab.Covers(a.Day) {
			return nil, app.Errorf(app.ECONFLICT, "%s is %s from %s to %s", p.Name, ab.Reason.describe(), ab.From, ab.To)
		}
	}
	for _, d := range duties {
		if d.Person != p.ID || d.Station == a.Station && d.Day == a.Day && d.Post == a.Post {
			continue
		}
		gap := d.Day.Sub(a.Day)
		if gap < 0 {
			gap = -gap
		}
		switch {
		case gap == 0 && d.Station == a.Station:
			return nil, app.Errorf(app.ECONFLICT, "%s is already %s on %s", p.Name, d.Post, a.Day)
		case gap == 0:
			return nil, app.Errorf(app.ECONFLICT, "%s is already on duty at another station on %s", p.Name, a.Day)
		case gap <= minRest:
			warnings = append(warnings, p.Name+" has less than the rest required: also on duty on "+d.Day.String())
		}
	}
	return warnings, nil
}
