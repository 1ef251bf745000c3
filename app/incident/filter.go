package incident

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dutyroom/app"
)

// Filter narrows the register. Nil fields do not filter.
type Filter struct {
	From *time.Time `json:"from,omitempty"` // received at or after
	To   *time.Time `json:"to,omitempty"`   // received before
	// Station keeps incidents received by the station or anywhere below
	// it, and those that happened there: a county asking for a township
	// wants what happened in the township even if the county took the call.
	Station  *app.ID   `json:"station,omitempty"`
	Category *Category `json:"category,omitempty"`
	Grade    *Grade    `json:"grade,omitempty"` // the effective grade
	Status   *Status   `json:"status,omitempty"`
	Overdue  *bool     `json:"overdue,omitempty"`
	// Text keeps incidents where every word of it appears in the title,
	// description, place, reporter or attachment names. Latin letters match
	// in either case (plate numbers, unit names); Chinese has no case.
	Text string `json:"text,omitempty"`

	Limit  int `json:"limit,omitempty"` // 0: no limit; applied by the store after matching
	Offset int `json:"offset,omitempty"`
}

// Matcher applies one filter to many incidents, doing the per-filter work
// (preparing the search words, collecting the subtree) once.
type Matcher struct {
	f       Filter
	tree    *app.Tree
	now     time.Time
	words   []word
	subtree map[app.ID]bool
}

// NewMatcher prepares f for matching against many incidents at now.
func NewMatcher(f Filter, tree *app.Tree, now time.Time) *Matcher {
	m := &Matcher{f: f, tree: tree, now: now}
	for w := range strings.FieldsSeq(f.Text) {
		m.words = append(m.words, newWord(w))
	}
	if f.Station != nil && tree != nil {
		m.subtree = map[app.ID]bool{}
		var walk func(id app.ID)
		walk = func(id app.ID) {
			m.subtree[id] = true
			for _, c := range tree.Children(id) {
				if !m.subtree[c.ID] {
					walk(c.ID)
				}
			}
		}
		walk(*f.Station)
	}
	return m
}

// Match reports whether inc passes the filter.
func (m *Matcher) Match(inc *Incident) bool {
	if !matchFields(inc, &m.f, m.now) {
		return false
	}
	if m.f.Station != nil {
		in := func(id app.ID) bool {
			if m.subtree != nil {
				return m.subtree[id]
			}
			return id == *m.f.Station
		}
		if !in(inc.Station) && !(inc.Place.Station != app.NilID && in(inc.Place.Station)) {
			return false
		}
	}
	for _, w := range m.words {
		if !w.in(inc) {
			return false
		}
	}
	return true
}

// Matches reports whether inc passes f at now. It is the register's rule in
// one place, for the store's queries and for lists filtered in memory. It
// allocates nothing unless a search word has capitals to lower; to filter
// many incidents with one filter, NewMatcher is faster still.
func Matches(inc *Incident, f Filter, tree *app.Tree, now time.Time) bool {
	if !matchFields(inc, &f, now) {
		return false
	}
	if f.Station != nil && !within(tree, inc.Station, *f.Station) &&
		!(inc.Place.Station != app.NilID && within(tree, inc.Place.Station, *f.Station)) {
		return false
	}
	for w := range strings.FieldsSeq(f.Text) {
		if !newWord(w).in(inc) {
			return false
		}
	}
	return true
}

// matchFields applies the cheap tests: everything but station and text.
func matchFields(inc *Incident, f *Filter, now time.Time) bool {
	if f.From != nil && inc.ReceivedAt.Before(*f.From) {
		return false
	}
	if f.To != nil && !inc.ReceivedAt.Before(*f.To) {
		return false
	}
	if f.Category != nil && inc.Category != *f.Category {
		return false
	}
	if f.Grade != nil && inc.EffectiveGrade() != *f.Grade {
		return false
	}
	if f.Status != nil {
		st := inc.Status
		if st == "" {
			st = StatusOpen
		}
		if st != *f.Status {
			return false
		}
	}
	if f.Overdue != nil && inc.Overdue(now) != *f.Overdue {
		return false
	}
	return true
}

// within reports whether id is root or below it, walking up the parents
// without building the list of ancestors.
func within(tree *app.Tree, id, root app.ID) bool {
	if id == root {
		return true
	}
	if tree == nil {
		return false
	}
	s := tree.Station(id)
	for depth := 0; s != nil && s.Parent != app.NilID && depth < len(app.Tiers); depth++ {
		if s.Parent == root {
			return true
		}
		s = tree.Station(s.Parent)
	}
	return false
}

// word is one search word, lowered, with the kind of case folding it needs.
type word struct {
	s    string
	fold bool // holds ASCII letters: compare ignoring their case
	uni  bool // holds other cased letters: lower the text too
}

func newWord(w string) word {
	out := word{s: strings.ToLower(w)}
	for _, r := range out.s {
		switch {
		case r < utf8.RuneSelf && 'a' <= r && r <= 'z':
			out.fold = true
		case r >= utf8.RuneSelf && unicode.ToUpper(r) != r:
			out.uni = true
		}
	}
	return out
}

func (w word) has(s string) bool {
	switch {
	case w.uni:
		return strings.Contains(strings.ToLower(s), w.s)
	case w.fold:
		return containsFoldASCII(s, w.s)
	}
	return strings.Contains(s, w.s)
}

func (w word) in(inc *Incident) bool {
	if w.has(inc.Title) || w.has(inc.Place.Text) || w.has(inc.Description) ||
		w.has(inc.Reporter.Name) || w.has(inc.Reporter.Unit) || w.has(inc.Reporter.Phone) {
		return true
	}
	for _, a := range inc.Attachments {
		if w.has(a.Name) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether s contains sub, a lowercased word,
// ignoring the case of ASCII letters. Bytes of multi-byte characters are
// never ASCII letters, so comparing byte by byte is safe in UTF-8.
func containsFoldASCII(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	lo := sub[0]
	up := lo
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		if c := s[i]; c != lo && c != up {
			continue
		}
		j := 1
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
