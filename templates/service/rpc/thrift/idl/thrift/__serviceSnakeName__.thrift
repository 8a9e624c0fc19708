// TypeScript is generated from this file by scripts/codegen.mjs into src/generated/<%= service.snakeName %>/v1/.
namespace js <%= service.snakeName %>.v1

struct Item {
  // Time-ordered UUID (version 7), lowercase canonical form.
  1: required string id
  // 1 to 200 characters, surrounding whitespace removed.
  2: required string name
  // RFC 3339 timestamp in UTC with millisecond precision.
  3: required string createdAt
}

struct CreateItemRequest {
  1: string name
  // Idempotency key: a UUID the caller picks once per item and sends again with every retry of the
  // same create; a repeated requestId returns the item the first call created. Empty or unset: none.
  2: optional string requestId
}

struct GetItemRequest {
  1: string id
}

struct ListItemsRequest {
  // 1 to 100; 0 or unset means the default (20).
  1: optional i32 pageSize
  // nextPageToken of the previous response; empty or unset for the first page.
  2: optional string pageToken
}

struct ListItemsResponse {
  1: required list<Item> items
  // Empty when there are no more items.
  2: required string nextPageToken
}

// The request is malformed; message says which field and why.
exception InvalidArgument {
  1: required string message
}

// The requested item does not exist.
exception NotFound {
  1: required string message
}

// An unexpected failure; the details are only in the server's logs.
exception InternalError {
  1: required string message
}

// The database could not be reached, the server is at capacity, or the call ran past the server's
// time limit: nothing was stored, and the same call may succeed if retried with backoff.
exception Unavailable {
  1: required string message
}

// <%= service.className %>Service manages items. Every method declares the same exceptions. The request
// struct is `optional` so that a call without one reaches the handler and is answered InvalidArgument
// (a required one is refused by the generated reader with an untyped TApplicationException).
service <%= service.className %>Service {
  // CreateItem stores a new item and returns it with its generated id. Safe to retry with the same requestId.
  Item CreateItem(1: optional CreateItemRequest request)
    throws (1: InvalidArgument invalidArgument, 2: NotFound notFound, 3: InternalError internalError, 4: Unavailable unavailable)
  // GetItem returns one item by id, or throws NotFound.
  Item GetItem(1: optional GetItemRequest request)
    throws (1: InvalidArgument invalidArgument, 2: NotFound notFound, 3: InternalError internalError, 4: Unavailable unavailable)
  // ListItems returns items ordered by id (creation order), one page at a time.
  ListItemsResponse ListItems(1: optional ListItemsRequest request)
    throws (1: InvalidArgument invalidArgument, 2: NotFound notFound, 3: InternalError internalError, 4: Unavailable unavailable)
}
