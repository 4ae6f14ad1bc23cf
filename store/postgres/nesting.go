package postgres

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// Ancestry returns the IDs from a comment's top-level ancestor down to it.
func (s *Store) Ancestry(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE up(id, parent_id, n) AS (
			SELECT id, parent_id, 0 FROM comments WHERE id = $1
			UNION ALL
			SELECT c.id, c.parent_id, up.n + 1 FROM comments c JOIN up ON c.id = up.parent_id
		) SELECT id FROM up ORDER BY n DESC`, id)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, storeErr(err, "Comment")
		}
		ids = append(ids, v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "Comment")
	}
	if len(ids) == 0 {
		return nil, comment.Errorf(comment.CodeNotFound, "Comment not found.")
	}
	return ids, nil
}
