package wire

// Error codes of the hub's authority over operations (docs/protocol.md,
// "Who may do what"). Kept apart from the transport's codes: they concern
// one operation each and never close the connection.
const (
	// CodeUnknownKind: an operation kind the hub's rule table does not
	// name. The hub stores nothing it cannot judge; upgrade the hub first.
	CodeUnknownKind = "unknown_kind"
	// CodeUnknownOwner: a change to a record the hub never saw created
	// (nor learned from an import), so it cannot say whose it is.
	CodeUnknownOwner = "unknown_owner"
	// CodeStationLimit: a station already has authority.MaxChildren
	// stations under it.
	CodeStationLimit = "station_limit"
	// CodeForeignAuthor: the operation names as its author a person who is
	// not of the origin station nor of a station below it.
	CodeForeignAuthor = "foreign_author"
)
