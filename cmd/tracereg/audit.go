package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tracereg/tracereg/registry"
)

// auditVerify runs `tracereg audit verify`: it walks the whole chain and
// fails naming the first broken link.
func auditVerify(ctx context.Context, s registry.AuditService, stdout io.Writer) error {
	n, err := s.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("audit verify: %d entries checked before the break: %w", n, err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, every link checked\n", n)
	return nil
}
