package app

import "slices"

// Clone returns a copy of the tree that can be edited without changing t,
// which others may be reading. The stations themselves are shared: Put
// replaces a station, it never writes into one.
func (t *Tree) Clone() *Tree {
	c := &Tree{byID: make(map[ID]*Station, len(t.byID)), children: make(map[ID][]*Station, len(t.children)), roots: slices.Clone(t.roots)}
	for id, s := range t.byID {
		c.byID[id] = s
	}
	for id, list := range t.children {
		c.children[id] = slices.Clone(list)
	}
	return c
}

// Put adds a station or replaces the one with its id, in place: one
// station's change costs a few map operations, not a rebuild of the tree.
// A replaced station keeps its place among its siblings; its parent must
// not change (stations keep theirs).
func (t *Tree) Put(s Station) {
	p := &s
	old, ok := t.byID[s.ID]
	t.byID[s.ID] = p
	if ok {
		list := t.siblings(old)
		if i := slices.Index(list, old); i >= 0 {
			list[i] = p
		}
		return
	}
	if t.hasParent(p) {
		t.children[s.Parent] = append(t.children[s.Parent], p)
	} else {
		t.roots = append(t.roots, p)
	}
}

// Remove takes a station without children out of the tree.
func (t *Tree) Remove(id ID) {
	old, ok := t.byID[id]
	if !ok {
		return
	}
	if t.hasParent(old) {
		list := slices.DeleteFunc(t.children[old.Parent], func(x *Station) bool { return x == old })
		if len(list) == 0 {
			delete(t.children, old.Parent)
		} else {
			t.children[old.Parent] = list
		}
	} else {
		t.roots = slices.DeleteFunc(t.roots, func(x *Station) bool { return x == old })
	}
	delete(t.byID, id)
}

func (t *Tree) hasParent(s *Station) bool {
	_, ok := t.byID[s.Parent]
	return ok && s.Parent != NilID && s.Parent != s.ID
}

// siblings returns the list that holds s: its parent's children, or the
// roots. Its elements may be replaced in place.
func (t *Tree) siblings(s *Station) []*Station {
	if t.hasParent(s) {
		return t.children[s.Parent]
	}
	return t.roots
}
