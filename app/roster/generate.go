package roster

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"dutyroom/app"
)

// MaxGenerateDays bounds one run of the generator: two years is more than any
// duty office plans ahead, and keeps a mistyped year from running away.
const MaxGenerateDays = 732

// Gap codes: why a post was left empty.
const (
	GapNoEligible     = "no_eligible"      // nobody given may take the role at all
	GapNoEligibleFree = "no_eligible_free" // everyone who may is away, busy or resting
)

// Warning codes.
const (
	WarnNoCalendar = "no_calendar"     // a year in the range has no holiday schedule
	WarnManual     = "manual_conflict" // a kept manual assignment breaks a rule
	WarnUnfair     = "unfair"          // a tally could not be kept within 1 of the others
)

// GenerateInput is everything the generator looks at. Nothing else counts,
// so the same input always gives the same roster.
type GenerateInput struct {
	Station  app.ID
	From, To Date // duty days to fill, both included
	Calendar *Calendar
	Settings Settings
	Specials []SpecialPeriod // the station's special periods; others are ignored
	People   []app.Person    // who may be rostered; each takes only the roles they hold
	Absences []Absence       // leave and trips of these people
	// Existing holds assignments already made. This station's manual ones in
	// the range are kept and its other ones in the range are replaced.
	// Everything else (other stations, days around the range) only marks the
	// person busy, for double-booking and rest.
	Existing []Assignment
	// History is each person's tally before From, so fairness carries across
	// months. A newcomer missing from it starts at zero and is preferred
	// until level with the others; to start them level instead, give them
	// an entry with their role's current lowest tally.
	History  []Fairness
	Location *time.Location // the station's zone, for duty hours; nil means UTC
}

// GenerateResult is a proposed roster for the range and what to know about it.
type GenerateResult struct {
	Assignments []Assignment // the station's posts in the range, kept and new, in day and post order
	Gaps        []Gap        // posts left empty, each with its reason
	Fairness    []Fairness   // per person, in the order of GenerateInput.People: History plus the range
	Warnings    []Warning
}

// Gap is a post the generator could not fill.
type Gap struct {
	Day    Date
	Post   Post
	Code   string // GapNoEligible or GapNoEligibleFree
	Reason string // in English, naming the role and date, e.g. "no eligible leader free on 2026-10-03 (...)"
}

// Warning is something the office should look at before publishing.
type Warning struct {
	Code    string
	Day     Date   // zero when not about one day
	Person  app.ID // NilID when not about one person
	Message string
}

// Counts tallies duties by day kind. Make-up working days count as workdays.
type Counts struct {
	Workday int
	Weekend int
	Holiday int
}

// Total returns the duties of every kind.
func (c Counts) Total() int { return c.Workday + c.Weekend + c.Holiday }

// Of returns the tally of kind k.
func (c Counts) Of(k DayKind) int {
	switch k {
	case Workday:
		return c.Workday
	case Weekend:
		return c.Weekend
	case Holiday:
		return c.Holiday
	}
	return 0
}

// Add returns c with n more duties of kind k.
func (c Counts) Add(k DayKind, n int) Counts {
	switch k {
	case Workday:
		c.Workday += n
	case Weekend:
		c.Weekend += n
	case Holiday:
		c.Holiday += n
	}
	return c
}

// Fairness is one person's duty tally, all roles together and per role.
// Fairness is judged within a role and day kind: a person who is both cadre
// and standby is compared with the cadres on their cadre duties and with the
// standby staff on their standby duties.
type Fairness struct {
	Person app.ID
	Name   string
	Duties int
	Counts
	ByRole map[app.Role]Counts
	Hours  float64 // time on duty, from handover to handover
}

// Summarize tallies the given assignments per person, in order of first
// appearance. Stores use it to compute GenerateInput.History, and screens to
// show the fairness of a stored roster.
func Summarize(assignments []Assignment, cal *Calendar, handover TimeOfDay, loc *time.Location) []Fairness {
	var out []Fairness
	at := map[app.ID]int{}
	for _, a := range assignments {
		i, ok := at[a.Person]
		if !ok {
			i = len(out)
			at[a.Person] = i
			out = append(out, Fairness{Person: a.Person, ByRole: map[app.Role]Counts{}})
		}
		start, end := DutyWindow(a.Day, handover, loc)
		out[i].add(a.Post.Role, cal.Kind(a.Day), end.Sub(start).Hours())
	}
	return out
}

func (f *Fairness) add(r app.Role, k DayKind, hours float64) {
	f.Duties++
	f.Counts = f.Counts.Add(k, 1)
	f.ByRole[r] = f.ByRole[r].Add(k, 1)
	f.Hours += hours
}

// Generate fills every post of the station from From to To. Day by day and
// post by post (leader, cadre, officer, standby), it picks among the people
// who hold the role, are not away, hold no other post that day at any station
// and have had their rest, the one with the fewest duties of that role and day
// kind, then the fewest duties overall, then the longest rested, then by a
// hash of person and date so ties do not always favour the same person.
// A final pass moves duties from the most to the least loaded person of a
// role and kind until every tally is within 1 of the others, where rest and
// absences allow. Posts it cannot fill become Gaps. EINVALID for bad input.
func Generate(in GenerateInput) (GenerateResult, error) {
	g, err := newGenerator(&in)
	if err != nil {
		return GenerateResult{}, err
	}
	g.checkCalendar()
	g.placeExisting()
	g.fill()
	g.balance()
	return g.result(), nil
}

const (
	nobody   = -1 // an empty slot
	outsider = -2 // a manual slot held by someone not in People
)

type generator struct {
	in     *GenerateInput
	lo     Date // first day of the window: From less the rest period
	first  int  // window index of From
	rest   int
	people []*candidate
	byID   map[app.ID]int
	days   []genDay // From..To
	gaps   []Gap
	warns  []Warning
}

type candidate struct {
	p       *app.Person
	holds   [4]bool
	duty    []uint8         // posts held on each window day, at any station
	away    []AbsenceReason // nil when never away in the window
	base    [4][3]int       // tally before the range, by role and kind
	count   [4][3]int       // this station's duties in the range
	total   int             // all duties here, before and in the range
	last    int             // window index of the latest duty before the day being filled
	manual  map[int]bool    // window days of this station's kept manual duties
	history *Fairness
}

type genDay struct {
	date  Date
	kind  DayKind
	tmpl  Template
	hours float64
	slots []genSlot
}

type genSlot struct {
	post   Post
	who    int
	ext    app.ID // the person, when who is outsider
	manual bool
}

func newGenerator(in *GenerateInput) (*generator, error) {
	switch {
	case in.Station == app.NilID:
		return nil, app.FieldErrorf("station", "say which station to roster")
	}
	if err := checkSpan(in.From, in.To, MaxGenerateDays); err != nil {
		return nil, err
	}
	if err := in.Settings.Validate(); err != nil {
		return nil, err
	}
	for i := range in.Existing {
		if err := in.Existing[i].Validate(); err != nil {
			return nil, app.FieldErrorf("existing", "existing assignment on %s: %s", in.Existing[i].Day, app.ErrorMessage(err))
		}
	}
	g := &generator{in: in, rest: in.Settings.MinRestDays, byID: make(map[app.ID]int, len(in.People))}
	g.lo = in.From.AddDays(-g.rest)
	g.first = g.rest
	window := in.To.Sub(in.From) + 1 + 2*g.rest

	order := make([]int, len(in.People))
	for i := range order {
		order[i] = i
	}
	// Working in id order makes the result independent of the input's order.
	sort.Slice(order, func(i, j int) bool { return compareID(in.People[order[i]].ID, in.People[order[j]].ID) < 0 })
	history := make(map[app.ID]*Fairness, len(in.History))
	for i := range in.History {
		history[in.History[i].Person] = &in.History[i]
	}
	for _, k := range order {
		p := &in.People[k]
		if p.ID == app.NilID {
			return nil, app.FieldErrorf("people", "%s has no id", p.Name)
		}
		if _, dup := g.byID[p.ID]; dup {
			return nil, app.FieldErrorf("people", "%s is listed twice", p.Name)
		}
		c := &candidate{p: p, duty: make([]uint8, window), last: -window, history: history[p.ID]}
		for r, role := range DutyRoles {
			c.holds[r] = p.Has(role)
		}
		if c.history != nil {
			c.total = c.history.Duties
		}
		g.byID[p.ID] = len(g.people)
		g.people = append(g.people, c)
	}
	g.loadHistory()
	for _, a := range in.Absences {
		i, ok := g.byID[a.Person]
		if !ok {
			continue
		}
		c := g.people[i]
		reason := a.Reason
		if !reason.Valid() {
			reason = ReasonOther // an empty reason must not read as "present"
		}
		for d := maxDate(a.From, g.lo); !d.After(a.To) && !d.After(in.To.AddDays(g.rest)); d = d.AddDays(1) {
			if c.away == nil {
				c.away = make([]AbsenceReason, window)
			}
			c.away[g.index(d)] = reason
		}
	}
	var periods []SpecialPeriod
	for _, p := range in.Specials {
		if p.Station == in.Station {
			periods = append(periods, p)
		}
	}
	for d := in.From; !d.After(in.To); d = d.AddDays(1) {
		info := Classify(in.Calendar, periods, d)
		start, end := DutyWindow(d, in.Settings.Handover, in.Location)
		g.days = append(g.days, genDay{date: d, kind: info.Kind, tmpl: in.Settings.TemplateFor(info), hours: end.Sub(start).Hours()})
	}
	return g, nil
}

func maxDate(a, b Date) Date {
	if a.After(b) {
		return a
	}
	return b
}

func (g *generator) index(d Date) int { return d.Sub(g.lo) }

func (g *generator) inWindow(i int) bool { return i >= 0 && i < len(g.days)+2*g.rest }

// loadHistory sets each person's starting tallies from History. A person or
// role missing from it starts at zero: Summarize leaves out roles without
// duties, so "missing" cannot be told from "none yet".
func (g *generator) loadHistory() {
	for _, c := range g.people {
		if c.history == nil {
			continue
		}
		for r, role := range DutyRoles {
			counts := c.history.ByRole[role]
			for k, kind := range DayKinds {
				c.base[r][k] = counts.Of(kind)
			}
		}
	}
}

func (g *generator) checkCalendar() {
	for y := g.in.From.Y; y <= g.in.To.Y; y++ {
		if !g.in.Calendar.Covers(y) {
			g.warns = append(g.warns, Warning{Code: WarnNoCalendar, Message: fmt.Sprintf(
				"no holiday calendar for %d: its holidays are treated as ordinary days until the year's schedule is imported", y)})
		}
	}
}

// placeExisting marks everyone's known duties and puts the station's manual
// assignments in their posts.
func (g *generator) placeExisting() {
	var kept []Assignment
	for _, a := range g.in.Existing {
		own := a.Station == g.in.Station && a.Day.Within(g.in.From, g.in.To)
		if own && a.Manual {
			kept = append(kept, a)
			continue
		}
		if own {
			continue // replaced by this run
		}
		if i, ok := g.byID[a.Person]; ok {
			if w := g.index(a.Day); g.inWindow(w) {
				g.people[i].duty[w]++
			}
		}
	}
	SortAssignments(kept)
	for _, a := range kept {
		day := &g.days[a.Day.Sub(g.in.From)]
		if s := day.slot(a.Post); s != nil && s.who != nobody {
			g.warns = append(g.warns, Warning{Code: WarnManual, Day: a.Day, Person: a.Person, Message: fmt.Sprintf(
				"%s on %s is set by hand twice; the first is kept", a.Post, a.Day)})
			continue
		}
		s := genSlot{post: a.Post, who: outsider, ext: a.Person, manual: true}
		if i, ok := g.byID[a.Person]; ok {
			s.who = i
			c := g.people[i]
			w := g.index(a.Day)
			c.duty[w]++
			if c.manual == nil {
				c.manual = map[int]bool{}
			}
			c.manual[w] = true
			r, k := roleIndex(a.Post.Role), int(day.kind)-1
			c.count[r][k]++
			c.total++
		}
		day.slots = append(day.slots, s)
	}
	for di := range g.days {
		g.checkManual(&g.days[di])
	}
}

func (d *genDay) slot(p Post) *genSlot {
	for i := range d.slots {
		if d.slots[i].post == p {
			return &d.slots[i]
		}
	}
	return nil
}

// checkManual warns about manual assignments that break the rules the
// generator keeps: they stay, because a person decided them, but the office
// should know.
func (g *generator) checkManual(day *genDay) {
	for _, s := range day.slots {
		warn := func(format string, args ...any) {
			person := s.ext
			if s.who >= 0 {
				person = g.people[s.who].p.ID
			}
			g.warns = append(g.warns, Warning{Code: WarnManual, Day: day.date, Person: person, Message: fmt.Sprintf(format, args...)})
		}
		if s.who == outsider {
			warn("%s on %s is held by %s, who is not among the people rostered", s.post, day.date, s.ext)
			continue
		}
		c := g.people[s.who]
		w := g.index(day.date)
		switch {
		case !c.p.Has(s.post.Role):
			warn("%s is set as %s on %s but may not take that role", c.p.Name, s.post, day.date)
		case c.away != nil && c.away[w] != "":
			warn("%s is set as %s on %s but is %s", c.p.Name, s.post, day.date, c.away[w].describe())
		case c.duty[w] > 1:
			warn("%s is set as %s on %s but holds another post that day", c.p.Name, s.post, day.date)
		}
		for k := 1; k <= g.rest; k++ {
			// Looking back finds every pair once; looking ahead is needed
			// only for duties that are not manual here, which have no turn.
			if g.inWindow(w-k) && c.duty[w-k] > 0 {
				warn("%s is set as %s on %s with less than %d days of rest after the duty on %s", c.p.Name, s.post, day.date, g.rest, day.date.AddDays(-k))
				break
			}
			if g.inWindow(w+k) && c.duty[w+k] > 0 && !c.manual[w+k] {
				warn("%s is set as %s on %s with less than %d days of rest before the duty on %s", c.p.Name, s.post, day.date, g.rest, day.date.AddDays(k))
				break
			}
		}
	}
}

// free reports whether c may take a post on window day w: not away, holding
// no post that day and rested on both sides.
func (g *generator) free(c *candidate, w int) bool {
	if c.duty[w] != 0 || c.away != nil && c.away[w] != "" {
		return false
	}
	for k := 1; k <= g.rest; k++ {
		if c.duty[w-k] != 0 || c.duty[w+k] != 0 {
			return false
		}
	}
	return true
}

func (g *generator) fill() {
	for _, c := range g.people {
		for w := 0; w < g.first; w++ {
			if c.duty[w] != 0 {
				c.last = w
			}
		}
	}
	for di := range g.days {
		day := &g.days[di]
		w := g.first + di
		if di > 0 {
			for _, c := range g.people {
				if c.duty[w-1] != 0 {
					c.last = w - 1
				}
			}
		}
		k := int(day.kind) - 1
		var open []Post
		for _, post := range day.tmpl.Posts() {
			if day.slot(post) == nil {
				open = append(open, post)
			}
		}
		for pi, post := range open {
			best := g.choose(day, w, k, post, open[pi+1:])
			if best == nobody {
				g.gaps = append(g.gaps, g.explain(day, post))
				continue
			}
			c := g.people[best]
			r := roleIndex(post.Role)
			c.duty[w]++
			c.count[r][k]++
			c.total++
			day.slots = append(day.slots, genSlot{post: post, who: best})
		}
	}
}

// choose returns the fairest free person for post, or nobody. A person who
// holds several roles is passed over when taking them would leave a later
// post of the day empty that someone else could have filled: a cadre who
// also stands by must not take the cadre post while another cadre is free
// and standby is short.
func (g *generator) choose(day *genDay, w, k int, post Post, later []Post) int {
	r := roleIndex(post.Role)
	var cands []int
	for i, c := range g.people {
		if c.holds[r] && g.free(c, w) {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return nobody
	}
	hash := make(map[int]uint64, len(cands))
	for _, i := range cands {
		hash[i] = tieHash(g.people[i].p.ID, day.date)
	}
	sort.Slice(cands, func(a, b int) bool {
		x, y := cands[a], cands[b]
		return g.better(g.people[x], hash[x], g.people[y], hash[y], r, k)
	})
	best := -1 // how many posts from this one on can be filled, once known
	for _, i := range cands {
		if len(later) == 0 || g.people[i].roles() == 1 {
			// Taking a one-role person costs the later posts no more than
			// taking any other holder of the role would.
			return i
		}
		if best < 0 {
			best = g.fillable(append([]Post{post}, later...), w, nobody)
		}
		if 1+g.fillable(later, w, i) == best {
			return i
		}
	}
	return cands[0]
}

func (c *candidate) roles() int {
	n := 0
	for _, h := range c.holds {
		if h {
			n++
		}
	}
	return n
}

// fillable returns how many of posts can be filled at once by people free on
// window day w, leaving skip out: the size of a maximum matching, found with
// augmenting paths. A day has a handful of posts, so this stays cheap.
func (g *generator) fillable(posts []Post, w, skip int) int {
	holder := make([]int, len(g.people)) // post index + 1 held in the matching
	n := 0
	for pi := range posts {
		seen := make([]bool, len(g.people))
		if g.augment(posts, pi, w, skip, holder, seen) {
			n++
		}
	}
	return n
}

func (g *generator) augment(posts []Post, pi, w, skip int, holder []int, seen []bool) bool {
	r := roleIndex(posts[pi].Role)
	for i, c := range g.people {
		if i == skip || seen[i] || !c.holds[r] || !g.free(c, w) {
			continue
		}
		seen[i] = true
		if holder[i] == 0 || g.augment(posts, holder[i]-1, w, skip, holder, seen) {
			holder[i] = pi + 1
			return true
		}
	}
	return false
}

func (g *generator) better(a *candidate, ha uint64, b *candidate, hb uint64, r, k int) bool {
	if x, y := a.base[r][k]+a.count[r][k], b.base[r][k]+b.count[r][k]; x != y {
		return x < y
	}
	if x, y := g.roleTotal(a, r), g.roleTotal(b, r); x != y {
		return x < y
	}
	if a.total != b.total {
		return a.total < b.total
	}
	if a.last != b.last {
		return a.last < b.last
	}
	if ha != hb {
		return ha < hb
	}
	return compareID(a.p.ID, b.p.ID) < 0
}

func (g *generator) roleTotal(c *candidate, r int) int {
	n := 0
	for k := range DayKinds {
		n += c.base[r][k] + c.count[r][k]
	}
	return n
}

func tieHash(id app.ID, d Date) uint64 {
	h := fnv.New64a()
	h.Write(id[:])
	h.Write(d.Key())
	return h.Sum64()
}

// maxExplained bounds the people named in one gap's reason.
const maxExplained = 6

func (g *generator) explain(day *genDay, post Post) Gap {
	r := roleIndex(post.Role)
	w := g.index(day.date)
	var why []string
	eligible := 0
	for _, c := range g.people {
		if !c.holds[r] {
			continue
		}
		eligible++
		if len(why) == maxExplained {
			continue
		}
		why = append(why, c.p.Name+": "+g.busyReason(c, day, w))
	}
	if eligible == 0 {
		return Gap{Day: day.date, Post: post, Code: GapNoEligible, Reason: fmt.Sprintf(
			"no one at the station may take the %s post, needed on %s", post.Role, day.date)}
	}
	if eligible > len(why) {
		why = append(why, fmt.Sprintf("and %d more", eligible-len(why)))
	}
	return Gap{Day: day.date, Post: post, Code: GapNoEligibleFree, Reason: fmt.Sprintf(
		"no eligible %s free on %s (%s)", post.Role, day.date, strings.Join(why, "; "))}
}

func (g *generator) busyReason(c *candidate, day *genDay, w int) string {
	if c.away != nil && c.away[w] != "" {
		return c.away[w].describe()
	}
	if c.duty[w] != 0 {
		for _, s := range day.slots {
			if s.who >= 0 && g.people[s.who] == c {
				return "already " + s.post.String()
			}
		}
		return "on duty at another station"
	}
	for k := 1; k <= g.rest; k++ {
		if c.duty[w-k] != 0 {
			return "resting after duty on " + day.date.AddDays(-k).String()
		}
		if c.duty[w+k] != 0 {
			return "on duty on " + day.date.AddDays(k).String()
		}
	}
	return "free" // unreachable while explain is called only for unfilled posts
}

// balance evens out each role's tallies per day kind by moving generated
// duties from the most to the least loaded person. The greedy fill alone can
// end with a spread of 2: whoever is lowest may be resting on the day their
// turn comes.
func (g *generator) balance() {
	for r, role := range DutyRoles {
		for k, kind := range DayKinds {
			g.balanceOne(r, k, role, kind)
		}
	}
}

func (g *generator) tally(c *candidate, r, k int) int { return c.base[r][k] + c.count[r][k] }

func (g *generator) balanceOne(r, k int, role app.Role, kind DayKind) {
	var pool []int
	for i, c := range g.people {
		if c.holds[r] {
			pool = append(pool, i)
		}
	}
	if len(pool) < 2 {
		return
	}
	for {
		lo, hi := pool[0], pool[0]
		for _, i := range pool {
			if g.tally(g.people[i], r, k) < g.tally(g.people[lo], r, k) {
				lo = i
			}
			if g.tally(g.people[i], r, k) > g.tally(g.people[hi], r, k) {
				hi = i
			}
		}
		low, high := g.tally(g.people[lo], r, k), g.tally(g.people[hi], r, k)
		if high-low <= 1 {
			return
		}
		if !g.evenOut(pool, r, k, low, high) {
			g.warns = append(g.warns, Warning{Code: WarnUnfair, Message: fmt.Sprintf(
				"%s %s duties range from %d (%s) to %d (%s): no way was found to even them out within the rest rule, absences and kept assignments",
				role, kind, low, g.people[lo].p.Name, high, g.people[hi].p.Name)})
			return
		}
	}
}

// evenOut makes one change that lowers a highest tally of role r and kind k
// and raises a lowest one, leaving every other tally's spread as it was.
// It tries, from the cheapest: moving a duty straight across; moving it
// through a third person who gives one duty and takes another; and moving
// it after first shifting the duties that keep the receiver from taking it.
func (g *generator) evenOut(pool []int, r, k, low, high int) bool {
	var his, los []int
	for _, i := range pool {
		switch g.tally(g.people[i], r, k) {
		case high:
			his = append(his, i)
		case low:
			los = append(los, i)
		}
	}
	for _, try := range []func(hi, lo int) bool{
		func(hi, lo int) bool {
			ref, ok := g.movable(hi, lo, r, k, -1)
			if ok {
				g.move(ref, lo)
			}
			return ok
		},
		func(hi, lo int) bool {
			for _, via := range pool {
				if via != hi && via != lo && g.moveThrough(hi, via, lo, r, k) {
					return true
				}
			}
			return false
		},
		func(hi, lo int) bool { return g.moveUnblocking(hi, lo, r, k) },
	} {
		for _, hi := range his {
			for _, lo := range los {
				if try(hi, lo) {
					return true
				}
			}
		}
	}
	return false
}

// slotRef names one slot: g.days[day].slots[slot].
type slotRef struct{ day, slot int }

func (g *generator) at(ref slotRef) (*genDay, *genSlot) {
	d := &g.days[ref.day]
	return d, &d.slots[ref.slot]
}

// moveThrough moves a duty from via to to, then one from from to via; it
// undoes the first move if the second is impossible.
func (g *generator) moveThrough(from, via, to, r, k int) bool {
	for di := range g.days {
		for si := range g.days[di].slots {
			first := slotRef{di, si}
			if !g.canMove(first, via, to, r, k) {
				continue
			}
			g.move(first, to)
			if second, ok := g.movable(from, via, r, k, -1); ok {
				g.move(second, via)
				return true
			}
			g.move(first, via)
		}
	}
	return false
}

// moveUnblocking gives one of from's duties to to, where to is kept from it
// only by their own duties on the days around it. Each of those is first
// handed to someone whose tally for it is lower, or exchanged for a duty of
// the same role and kind on another day; tallies other than r and k end as
// they began, or with two people trading places.
func (g *generator) moveUnblocking(from, to, r, k int) bool {
	c := g.people[to]
	for di := range g.days {
		for si := range g.days[di].slots {
			ref := slotRef{di, si}
			if !g.isDuty(ref, from, r, k) {
				continue
			}
			w := g.first + di
			if c.away != nil && c.away[w] != "" {
				continue
			}
			var journal []undo
			ok := true
			for j := max(0, di-g.rest); j <= min(len(g.days)-1, di+g.rest) && ok; j++ {
				for sj := range g.days[j].slots {
					if _, s := g.at(slotRef{j, sj}); s.who == to {
						ok = !s.manual && g.relocate(slotRef{j, sj}, di, &journal)
						if !ok {
							break
						}
					}
				}
			}
			if ok && g.free(c, w) {
				g.move(ref, to)
				return true
			}
			g.rollback(journal)
		}
	}
	return false
}

type undo struct {
	ref slotRef
	who int
}

// relocate takes the duty at ref away from its holder without widening any
// tally's spread, keeping clear of the holder's rest around day keep.
func (g *generator) relocate(ref slotRef, keep int, journal *[]undo) bool {
	day, s := g.at(ref)
	holder := s.who
	r, k := roleIndex(s.post.Role), int(day.kind)-1
	w := g.first + ref.day
	for i, c := range g.people {
		if i != holder && c.holds[r] && g.tally(c, r, k) < g.tally(g.people[holder], r, k) && g.free(c, w) {
			*journal = append(*journal, undo{ref, holder})
			g.move(ref, i)
			return true
		}
	}
	for i, c := range g.people {
		if i == holder || !c.holds[r] || !g.free(c, w) {
			continue
		}
		// Exchange: i takes this duty and gives holder one of theirs of the
		// same role and kind, far enough from keep.
		*journal = append(*journal, undo{ref, holder})
		g.move(ref, i)
		if back, ok := g.movable(i, holder, r, k, keep); ok {
			*journal = append(*journal, undo{back, i})
			g.move(back, holder)
			return true
		}
		*journal = (*journal)[:len(*journal)-1]
		g.move(ref, holder)
	}
	return false
}

func (g *generator) rollback(journal []undo) {
	for i := len(journal) - 1; i >= 0; i-- {
		g.move(journal[i].ref, journal[i].who)
	}
}

// movable finds a duty of from, of role r and kind k, that to may take,
// more than the rest period away from day avoid (-1 for none).
func (g *generator) movable(from, to, r, k, avoid int) (slotRef, bool) {
	for di := range g.days {
		if avoid >= 0 && di >= avoid-g.rest && di <= avoid+g.rest {
			continue
		}
		for si := range g.days[di].slots {
			if ref := (slotRef{di, si}); g.canMove(ref, from, to, r, k) {
				return ref, true
			}
		}
	}
	return slotRef{}, false
}

func (g *generator) isDuty(ref slotRef, who, r, k int) bool {
	day, s := g.at(ref)
	return s.who == who && !s.manual && roleIndex(s.post.Role) == r && int(day.kind)-1 == k
}

func (g *generator) canMove(ref slotRef, from, to, r, k int) bool {
	return g.isDuty(ref, from, r, k) && g.free(g.people[to], g.first+ref.day)
}

// move hands the duty at ref to person to, keeping every tally in step.
func (g *generator) move(ref slotRef, to int) {
	day, s := g.at(ref)
	r, k := roleIndex(s.post.Role), int(day.kind)-1
	w := g.first + ref.day
	from, dest := g.people[s.who], g.people[to]
	from.duty[w]--
	from.count[r][k]--
	from.total--
	dest.duty[w]++
	dest.count[r][k]++
	dest.total++
	s.who = to
}

func (g *generator) result() GenerateResult {
	var res GenerateResult
	tallies := make([]Fairness, len(g.people))
	for i, c := range g.people {
		f := Fairness{Person: c.p.ID, Name: c.p.Name, ByRole: map[app.Role]Counts{}}
		if h := c.history; h != nil {
			f.Duties, f.Counts, f.Hours = h.Duties, h.Counts, h.Hours
			for r, n := range h.ByRole {
				f.ByRole[r] = n
			}
		}
		tallies[i] = f
	}
	for _, day := range g.days {
		for _, s := range day.slots {
			person := s.ext
			if s.who >= 0 {
				person = g.people[s.who].p.ID
				tallies[s.who].add(s.post.Role, day.kind, day.hours)
			}
			res.Assignments = append(res.Assignments, Assignment{
				Station: g.in.Station, Day: day.date, Post: s.post, Person: person, Manual: s.manual})
		}
	}
	SortAssignments(res.Assignments)
	for _, p := range g.in.People {
		res.Fairness = append(res.Fairness, tallies[g.byID[p.ID]])
	}
	res.Gaps = g.gaps
	res.Warnings = g.warns
	return res
}
