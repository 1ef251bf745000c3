package hub

import (
	"strings"

	"dutyroom/app"
)

// AudienceKind says how an audience reaches stations.
type AudienceKind byte

const (
	// ToStation reaches one station: what is addressed to it, and what its
	// descendants report upward.
	ToStation AudienceKind = 'S'
	// Subtree reaches a station and everything below it: what it broadcasts
	// downward.
	Subtree AudienceKind = 'D'
)

// Audience is one group of readers an operation is filed under. The log
// keeps an index per audience, so a station reads its few audiences
// instead of the whole log, and a broadcast to 2,000 stations is one index
// entry, not 2,000.
type Audience struct {
	Kind    AudienceKind
	Station app.ID
}

func (a Audience) key() [17]byte {
	var k [17]byte
	k[0] = byte(a.Kind)
	copy(k[1:], a.Station[:])
	return k
}

// Router decides who receives what (DESIGN.md, "Who receives what"). It is
// an interface so that joining hubs (one per prefecture, a province above)
// is a new implementation, not a rewrite of the hub.
type Router interface {
	// Route returns the audiences an operation reaches. subject is the
	// station the operation is about: the origin for most kinds, the
	// person's station for a person. tree is the station tree as of the
	// operation. An error names what makes the operation undeliverable,
	// such as an address that is not a station.
	Route(tree *app.Tree, op *app.Operation, subject app.ID) ([]Audience, error)
	// Feeds returns the audiences a station reads.
	Feeds(tree *app.Tree, station app.ID) []Audience
}

// TreeRouter routes within one station tree: a station receives what is
// addressed to it, what its descendants report upward and what its
// ancestors broadcast downward; never a sibling's unless addressed to it.
type TreeRouter struct{}

var _ Router = TreeRouter{}

// Route implements Router. Without a scope, station records go to every
// station (everyone needs the tree to address anyone), people go to the
// lineage of their station (who is above may call them, who is below may
// need its leaders), and every other kind reports upward.
func (TreeRouter) Route(tree *app.Tree, op *app.Operation, subject app.ID) ([]Audience, error) {
	var out []Audience
	add := func(a Audience) {
		for _, x := range out {
			if x == a {
				return
			}
		}
		out = append(out, a)
	}
	for _, to := range op.To {
		if tree.Station(to) == nil {
			return nil, app.FieldErrorf("to", "operation %s is addressed to station %s, which this hub does not know", op.ID, to)
		}
		add(Audience{ToStation, to})
	}
	scope := op.Scope
	if scope == app.ScopeDefault {
		switch {
		case strings.HasPrefix(op.Kind, "station."):
			for _, root := range tree.Children(app.NilID) {
				add(Audience{Subtree, root.ID})
			}
			return out, nil
		case strings.HasPrefix(op.Kind, "person."):
			scope = app.ScopeLineage
		default:
			scope = app.ScopeUp
		}
	}
	if scope == app.ScopeNone {
		return out, nil
	}
	if tree.Station(subject) == nil {
		return nil, app.FieldErrorf("origin", "operation %s is about station %s, which this hub does not know", op.ID, subject)
	}
	if scope == app.ScopeUp || scope == app.ScopeLineage {
		for _, a := range tree.Ancestors(subject) {
			add(Audience{ToStation, a.ID})
		}
	}
	if scope == app.ScopeDown || scope == app.ScopeLineage {
		add(Audience{Subtree, subject})
	}
	return out, nil
}

// Feeds implements Router.
func (TreeRouter) Feeds(tree *app.Tree, station app.ID) []Audience {
	feeds := []Audience{{ToStation, station}, {Subtree, station}}
	for _, a := range tree.Ancestors(station) {
		feeds = append(feeds, Audience{Subtree, a.ID})
	}
	return feeds
}
