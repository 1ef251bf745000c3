package app

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Tier is a station's level in the tree. Prefecture, county and township
// stations keep a 24-hour duty room; villages have information officers only.
type Tier int

const (
	TierPrefecture Tier = 1 // 州/市
	TierCounty     Tier = 2 // 县/市/区
	TierTownship   Tier = 3 // 乡镇/街道
	TierVillage    Tier = 4 // 村/社区
)

// Tiers lists the tiers from the top down.
var Tiers = []Tier{TierPrefecture, TierCounty, TierTownship, TierVillage}

// Valid reports whether t is one of the four tiers.
func (t Tier) Valid() bool { return t >= TierPrefecture && t <= TierVillage }

// HasDutyRoom reports whether stations of this tier run a 24-hour duty room.
func (t Tier) HasDutyRoom() bool { return t >= TierPrefecture && t <= TierTownship }

// Key is the stable name of the tier, used in files and translation keys.
func (t Tier) Key() string {
	switch t {
	case TierPrefecture:
		return "prefecture"
	case TierCounty:
		return "county"
	case TierTownship:
		return "township"
	case TierVillage:
		return "village"
	}
	return "unknown"
}

// ParseTier is the inverse of Key.
func ParseTier(s string) (Tier, error) {
	for _, t := range Tiers {
		if t.Key() == s {
			return t, nil
		}
	}
	return 0, FieldErrorf("tier", "unknown tier %q (want prefecture, county, township or village)", s)
}

// DefaultZone is where Chinese duty rooms keep their clocks. Stored instants
// are UTC; this zone is only for showing and for duty-day boundaries.
const DefaultZone = "Asia/Shanghai"

// Station is one node of the tree: a duty room or a village. Its JSON is the
// format of the data file and of operation payloads between stations; the
// tags pin it, so renaming a field cannot silently change what is stored or
// sent.
type Station struct {
	ID     ID     `json:"id"`
	Code   string `json:"code"` // administrative division code, unique in the tree, e.g. "433101"
	Name   string `json:"name"`
	Tier   Tier   `json:"tier"`
	Parent ID     `json:"parent,omitzero"` // NilID for the prefecture, the root of this tree
	Zone   string `json:"zone,omitempty"`
	Phone  string `json:"phone,omitempty"` // the duty room's phone, optional

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

var stationCode = regexp.MustCompile(`^[0-9A-Za-z]{2,20}$`)

// Validate checks the rules that hold for a station alone. The rules that need
// the rest of the tree are in ValidateTree and CheckPlacement.
func (s *Station) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	s.Code = strings.TrimSpace(s.Code)
	switch {
	case s.Name == "":
		return FieldErrorf("name", "station name is required")
	case utf8.RuneCountInString(s.Name) > 40:
		return FieldErrorf("name", "station name is longer than 40 characters")
	case !stationCode.MatchString(s.Code):
		return FieldErrorf("code", "station code %q must be 2 to 20 letters or digits", s.Code)
	case !s.Tier.Valid():
		return FieldErrorf("tier", "unknown tier %d", s.Tier)
	case s.Tier == TierPrefecture && s.Parent != NilID:
		return FieldErrorf("parent", "a prefecture is the top of the tree and has no parent")
	case s.Tier != TierPrefecture && s.Parent == NilID:
		return FieldErrorf("parent", "a %s station needs a parent station", s.Tier.Key())
	case s.Parent == s.ID && s.ID != NilID:
		return FieldErrorf("parent", "a station cannot be its own parent")
	}
	if s.Phone != "" {
		if err := ValidatePhone(s.Phone); err != nil {
			return FieldErrorf("phone", "%s", ErrorMessage(err))
		}
	}
	if s.Zone == "" {
		s.Zone = DefaultZone
	}
	if _, err := time.LoadLocation(s.Zone); err != nil {
		return FieldErrorf("zone", "unknown time zone %q", s.Zone)
	}
	return nil
}

// Location returns the station's time zone, falling back to DefaultZone.
func (s *Station) Location() *time.Location {
	if loc, err := time.LoadLocation(s.Zone); err == nil && s.Zone != "" {
		return loc
	}
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		// No tz database on this machine: China is UTC+8 all year.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// CheckPlacement checks s against its would-be parent: the parent exists and
// sits exactly one tier up.
func CheckPlacement(s *Station, parent *Station) error {
	if s.Tier == TierPrefecture {
		return nil
	}
	if parent == nil {
		return FieldErrorf("parent", "parent station not found")
	}
	if parent.Tier != s.Tier-1 {
		return FieldErrorf("parent", "a %s cannot sit directly under a %s (%s); its parent must be a %s",
			s.Tier.Key(), parent.Tier.Key(), parent.Name, (s.Tier - 1).Key())
	}
	return nil
}

// ValidateTree checks a whole tree: each station valid, codes unique, every
// parent present and one tier up, no cycles. The tier rule already rules out
// cycles, but a damaged import could break both, so cycles are checked on
// their own to give the clearer message.
func ValidateTree(stations []Station) error {
	byID := make(map[ID]*Station, len(stations))
	byCode := make(map[string]*Station, len(stations))
	for i := range stations {
		s := &stations[i]
		if err := s.Validate(); err != nil {
			return &Error{Code: EINVALID, Field: ErrorField(err), Message: s.Code + " " + s.Name + ": " + ErrorMessage(err)}
		}
		if o, dup := byCode[s.Code]; dup {
			return FieldErrorf("code", "station code %s is used by both %s and %s", s.Code, o.Name, s.Name)
		}
		if _, dup := byID[s.ID]; dup {
			return FieldErrorf("id", "station id %s appears twice", s.ID)
		}
		byCode[s.Code] = s
		byID[s.ID] = s
	}
	for _, s := range byID {
		seen := map[ID]bool{s.ID: true}
		for p := s.Parent; p != NilID; p = byID[p].Parent {
			if seen[p] {
				return FieldErrorf("parent", "the stations above %s (%s) form a cycle", s.Name, s.Code)
			}
			seen[p] = true
			if byID[p] == nil {
				return FieldErrorf("parent", "%s (%s) names a parent that is not in the tree", s.Name, s.Code)
			}
		}
	}
	for _, s := range byID {
		if s.Tier == TierPrefecture {
			continue
		}
		if err := CheckPlacement(s, byID[s.Parent]); err != nil {
			return FieldErrorf("parent", "%s (%s): %s", s.Name, s.Code, ErrorMessage(err))
		}
	}
	return nil
}

// Tree is a read-only index of stations for walking up and down.
type Tree struct {
	byID     map[ID]*Station
	children map[ID][]*Station
	roots    []*Station
}

// NewTree indexes stations. Children keep the order of the input.
func NewTree(stations []Station) *Tree {
	t := &Tree{byID: make(map[ID]*Station, len(stations)), children: make(map[ID][]*Station)}
	for i := range stations {
		s := &stations[i]
		t.byID[s.ID] = s
	}
	for i := range stations {
		s := &stations[i]
		if _, ok := t.byID[s.Parent]; ok && s.Parent != NilID {
			t.children[s.Parent] = append(t.children[s.Parent], s)
		} else {
			t.roots = append(t.roots, s)
		}
	}
	return t
}

// Station returns the station with the id, or nil.
func (t *Tree) Station(id ID) *Station { return t.byID[id] }

// Children returns the direct children of id; NilID gives the roots.
func (t *Tree) Children(id ID) []*Station {
	if id == NilID {
		return t.roots
	}
	return t.children[id]
}

// Ancestors returns the chain above id, nearest first.
func (t *Tree) Ancestors(id ID) []*Station {
	var out []*Station
	s := t.byID[id]
	for s != nil && s.Parent != NilID && len(out) < len(t.byID) {
		s = t.byID[s.Parent]
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// IsWithin reports whether id is root or below it.
func (t *Tree) IsWithin(id, root ID) bool {
	if id == root {
		return true
	}
	for _, a := range t.Ancestors(id) {
		if a.ID == root {
			return true
		}
	}
	return false
}

// Path returns the names from the root down to id joined by " / ".
func (t *Tree) Path(id ID) string {
	s := t.byID[id]
	if s == nil {
		return ""
	}
	anc := t.Ancestors(id)
	parts := make([]string, 0, len(anc)+1)
	for i := len(anc) - 1; i >= 0; i-- {
		parts = append(parts, anc[i].Name)
	}
	return strings.Join(append(parts, s.Name), " / ")
}

// StationService reads and changes the station tree.
type StationService interface {
	// FindStationByID returns ENOTFOUND when there is no such station.
	FindStationByID(ctx context.Context, id ID) (*Station, error)
	// FindStationByCode returns ENOTFOUND when no station has the code.
	FindStationByCode(ctx context.Context, code string) (*Station, error)
	// Stations returns every station, parents before children.
	Stations(ctx context.Context) ([]Station, error)
	// CreateStation assigns ID and times. EINVALID for a bad station or
	// placement, ECONFLICT for a code already in use.
	CreateStation(ctx context.Context, s *Station) error
	// UpdateStation changes name, code, phone and zone; tier and parent are
	// fixed once created. EINVALID, ENOTFOUND, ECONFLICT.
	UpdateStation(ctx context.Context, s *Station) error
	// DeleteStation removes a station that has no child stations and no
	// people. ENOTFOUND, ECONFLICT when something still hangs under it.
	DeleteStation(ctx context.Context, id ID) error
}
