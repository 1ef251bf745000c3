package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The messaging buckets; buckets.go draws their keys.
var (
	bucketMessages          = []byte("messages")
	bucketMessageConvs      = []byte("message_conversations")
	bucketMessagesByConv    = []byte("message_by_conversation")
	bucketMessageReceipts   = []byte("message_receipts")
	bucketMessageUnread     = []byte("message_unread")
	bucketMessageText       = []byte("message_text")
	bucketMessageBlobs      = []byte("message_blobs")
	bucketMessageBlobChunks = []byte("message_chunks")
)

// createMessagesV6 adds the buckets of messages, their receipts, the text
// that search reads and the chunked contents of attachments.
func createMessagesV6(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the message buckets to")
	}
	for _, name := range [][]byte{
		bucketMessages, bucketMessageConvs, bucketMessagesByConv, bucketMessageReceipts,
		bucketMessageUnread, bucketMessageText, bucketMessageBlobs, bucketMessageBlobChunks,
	} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}
