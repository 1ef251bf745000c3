// Package directory searches the people of the station tree the way a duty
// officer asks for them: by any part of a name, title, phone number or station,
// or by the pinyin initials of a name ("zs" finds 张三), which is how people
// type names quickly on a Latin keyboard.
//
// Its one dependency outside the standard library and app is the pinyin
// dictionary, github.com/mozillazg/go-pinyin.
package directory

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"dutyroom/app"
)

// Index answers searches over a fixed set of people. It is read-only once
// built, so one Index may serve several goroutines; rebuild it when the
// directory changes.
type Index struct {
	// entries are sorted by name (pinyin, then the characters), so each
	// rank bucket of a search comes out in name order without sorting.
	entries []entry
}

type entry struct {
	person   app.Person
	name     string // lowercased
	initials string // first letter of each character's pinyin, lowercased
	title    string
	mobile   string
	office   string
	digits   string // office without separators, so 07438221234 finds 0743-8221234
	station  string
	sortKey  string
}

// NewIndex indexes persons. Stations supply the station names searched
// alongside each person; a person whose station is missing is still found by
// its own fields. The persons are copied, so later changes to the slice do not
// reach the index.
func NewIndex(persons []app.Person, stations []app.Station) *Index {
	stationNames := make(map[app.ID]string, len(stations))
	for _, s := range stations {
		stationNames[s.ID] = strings.ToLower(s.Name)
	}
	conv := newConverter()
	ix := &Index{entries: make([]entry, len(persons))}
	for i, p := range persons {
		p.Roles = append([]app.Role(nil), p.Roles...)
		initials, full := conv.convert(p.Name)
		ix.entries[i] = entry{
			person:   p,
			name:     strings.ToLower(p.Name),
			initials: initials,
			title:    strings.ToLower(p.Title),
			mobile:   p.Mobile,
			office:   strings.ToLower(p.Office),
			digits:   onlyDigits(p.Office),
			station:  stationNames[p.Station],
			sortKey:  full + "\x00" + p.Name,
		}
	}
	sort.SliceStable(ix.entries, func(a, b int) bool {
		return ix.entries[a].sortKey < ix.entries[b].sortKey
	})
	return ix
}

// Len returns the number of people indexed.
func (ix *Index) Len() int { return len(ix.entries) }

// Match ranks: a person whose name is the query comes first, then names that
// start with it, then every other match.
const (
	rankExact = iota
	rankPrefix
	rankOther
	rankCount
)

// Search returns up to limit people matching q, best first: exact name, then
// name prefix, then the rest, each group by name. q matches, ignoring case, a
// substring of the name, title, mobile, office phone or station name, or of
// the pinyin initials of the name. An empty query or a limit below 1 finds
// nobody.
func (ix *Index) Search(q string, limit int) []app.Person {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit < 1 {
		return nil
	}
	// A pasted number may carry spaces or full-width digits.
	phone := app.NormalisePhone(q)
	var buckets [rankCount][]*entry
	for i := range ix.entries {
		e := &ix.entries[i]
		rank := rankOther
		switch {
		case e.name == q:
			rank = rankExact
		case strings.HasPrefix(e.name, q):
			rank = rankPrefix
		case strings.Contains(e.name, q),
			strings.Contains(e.initials, q),
			strings.Contains(e.title, q),
			strings.Contains(e.station, q),
			phone != "" && (strings.Contains(e.mobile, phone) ||
				strings.Contains(e.office, phone) ||
				strings.Contains(e.digits, phone)):
		default:
			continue
		}
		// Later buckets can only fill what earlier ones leave, so none
		// needs more than limit entries.
		if len(buckets[rank]) < limit {
			buckets[rank] = append(buckets[rank], e)
		}
	}
	var out []app.Person
	for _, b := range buckets {
		for _, e := range b {
			if len(out) == limit {
				return out
			}
			p := e.person
			p.Roles = append([]app.Role(nil), p.Roles...)
			out = append(out, p)
		}
	}
	return out
}

// Initials returns the first letter of the pinyin of each Chinese character
// of s, taking the first reading of a polyphone, with any other character
// kept as it is, lowercased: 张三 gives "zs", 李A gives "la".
func Initials(s string) string {
	initials, _ := newConverter().convert(s)
	return initials
}

// converter caches the pinyin of each character it has seen: a directory
// repeats a few hundred surnames and given-name characters many times, and a
// dictionary lookup costs a regular expression per character.
type converter struct {
	first map[rune]string
	full  map[rune]string
}

func newConverter() *converter {
	return &converter{first: make(map[rune]string), full: make(map[rune]string)}
}

// convert returns the initials of s and its full pinyin, a sort key that puts
// 安 before 张 the way Chinese readers expect.
func (c *converter) convert(s string) (initials, full string) {
	var ib, fb strings.Builder
	for _, r := range s {
		first, ok := c.first[r]
		if !ok {
			first, c.full[r] = c.lookup(r)
			c.first[r] = first
		}
		ib.WriteString(first)
		fb.WriteString(c.full[r])
	}
	return ib.String(), fb.String()
}

func (c *converter) lookup(r rune) (first, full string) {
	if unicode.Is(unicode.Han, r) {
		args := pinyin.NewArgs()
		if py := pinyin.SinglePinyin(r, args); len(py) > 0 && py[0] != "" {
			first, _ := utf8.DecodeRuneInString(py[0])
			return string(first), py[0]
		}
	}
	low := string(unicode.ToLower(r))
	return low, low
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SortByRoleAndName orders people the way a duty room's phone list reads:
// leaders first, then cadres, officers, standby staff and information
// officers, each group by pinyin. A person with several roles sorts by the
// highest; a person with none comes last.
func SortByRoleAndName(persons []app.Person) {
	conv := newConverter()
	keys := make(map[app.ID]string, len(persons))
	for _, p := range persons {
		_, full := conv.convert(p.Name)
		keys[p.ID] = full + "\x00" + p.Name
	}
	sort.SliceStable(persons, func(a, b int) bool {
		ra, rb := roleRank(&persons[a]), roleRank(&persons[b])
		if ra != rb {
			return ra < rb
		}
		return keys[persons[a].ID] < keys[persons[b].ID]
	})
}

func roleRank(p *app.Person) int {
	best := len(app.Roles)
	for _, r := range p.Roles {
		for i, known := range app.Roles {
			if r == known && i < best {
				best = i
			}
		}
	}
	return best
}
