package app

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a post a person may take on a duty day (DOMAIN.md, "Who uses it").
type Role string

const (
	RoleLeader      Role = "leader"       // 带班领导
	RoleCadre       Role = "cadre"        // 值班干部
	RoleOfficer     Role = "officer"      // 值班员
	RoleStandby     Role = "standby"      // 应急处置人员
	RoleInfoOfficer Role = "info_officer" // 灾害信息员 (villages)
)

// Roles lists every role in the order screens show them.
var Roles = []Role{RoleLeader, RoleCadre, RoleOfficer, RoleStandby, RoleInfoOfficer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Person is someone who may be on duty or must be reachable. Like Station,
// its JSON is the stored and synced format.
type Person struct {
	ID      ID     `json:"id"`
	Station ID     `json:"station"`
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`  // 职务, e.g. 副局长
	Mobile  string `json:"mobile,omitempty"` // 11-digit mainland mobile
	Office  string `json:"office,omitempty"` // office phone, e.g. 0743-8221234
	Roles   []Role `json:"roles,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Has reports whether the person may take role r.
func (p *Person) Has(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

var (
	mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	// An office line: optional area code (0 and 2–3 digits), 7–8 digits,
	// optional extension. Hyphens and spaces are accepted and normalised.
	officePattern  = regexp.MustCompile(`^(0[0-9]{2,3}-)?[1-9][0-9]{6,7}(-[0-9]{1,6})?$`)
	hotlinePattern = regexp.MustCompile(`^[1-9][0-9]{2,5}$`) // 110, 12345, 12379
)

// NormalisePhone removes spaces and turns full-width digits and dashes into
// ASCII, so numbers pasted from documents compare equal.
func NormalisePhone(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '－' || r == '—' || r == '–':
			b.WriteByte('-')
		case r == ' ' || r == '\u3000':
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.HasPrefix(out, "+86") {
		out = strings.TrimPrefix(strings.TrimPrefix(out, "+86"), "-")
	}
	return out
}

// ValidateMobile checks an 11-digit mainland mobile number.
func ValidateMobile(s string) error {
	if !mobilePattern.MatchString(NormalisePhone(s)) {
		return Errorf(EINVALID, "%q is not a mobile number (11 digits starting with 13–19)", s)
	}
	return nil
}

// ValidatePhone accepts a mobile, an office line or a short hotline number.
func ValidatePhone(s string) error {
	n := NormalisePhone(s)
	if mobilePattern.MatchString(n) || officePattern.MatchString(n) || hotlinePattern.MatchString(n) {
		return nil
	}
	return Errorf(EINVALID, "%q is not a phone number (e.g. 13800000000 or 0743-8221234)", s)
}

// Validate checks a person on its own. The station's existence is checked by
// the service, which can see the tree.
func (p *Person) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	p.Title = strings.TrimSpace(p.Title)
	p.Mobile = NormalisePhone(p.Mobile)
	p.Office = NormalisePhone(p.Office)
	switch {
	case p.Name == "":
		return FieldErrorf("name", "name is required")
	case utf8.RuneCountInString(p.Name) > 32:
		return FieldErrorf("name", "name is longer than 32 characters")
	case utf8.RuneCountInString(p.Title) > 40:
		return FieldErrorf("title", "title is longer than 40 characters")
	case p.Station == NilID:
		return FieldErrorf("station", "a person belongs to a station")
	case p.Mobile == "" && p.Office == "":
		return FieldErrorf("mobile", "a mobile or an office phone is required: the duty room must reach this person")
	}
	if p.Mobile != "" && !mobilePattern.MatchString(p.Mobile) {
		return FieldErrorf("mobile", "%q is not a mobile number (11 digits starting with 13–19)", p.Mobile)
	}
	if p.Office != "" && !officePattern.MatchString(p.Office) {
		return FieldErrorf("office", "%q is not an office phone (e.g. 0743-8221234)", p.Office)
	}
	seen := map[Role]bool{}
	for _, r := range p.Roles {
		if !r.Valid() {
			return FieldErrorf("roles", "unknown role %q", r)
		}
		if seen[r] {
			return FieldErrorf("roles", "role %q listed twice", r)
		}
		seen[r] = true
	}
	return nil
}

// PersonFilter narrows Persons. Nil fields do not filter.
type PersonFilter struct {
	Station *ID
	Role    *Role
}

// PersonService reads and changes the people of the directory.
type PersonService interface {
	// FindPersonByID returns ENOTFOUND when there is no such person.
	FindPersonByID(ctx context.Context, id ID) (*Person, error)
	// Persons returns the people matching the filter, by station then name.
	Persons(ctx context.Context, f PersonFilter) ([]Person, error)
	// CreatePerson assigns ID and times. EINVALID, ENOTFOUND for an unknown station.
	CreatePerson(ctx context.Context, p *Person) error
	// UpdatePerson replaces the person's fields. EINVALID, ENOTFOUND.
	UpdatePerson(ctx context.Context, p *Person) error
	// DeletePerson removes the person. ENOTFOUND.
	DeletePerson(ctx context.Context, id ID) error
}
