"""RevCent's operations are listed twice, tied here: the contract's specs (how to call each)
and the audit trail's AuditEntry.Operation (what a row records). The audit model cannot
import the contract (the client imports the model), so this test is the tie."""

from __future__ import annotations

from customers.audit.timeline import CALL_WORDS
from customers.models import AuditEntry
from customers.revcent import contract

SPECS = {
    name: value
    for name, value in vars(contract).items()
    if isinstance(value, contract.OperationSpec)
}
# RevCent's operations are the members labelled with RevCent's own name; agent actions
# have words ("Signed in").
AUDITED = {op for op in AuditEntry.Operation if op.label == op.value}


def test_the_contract_lists_every_spec_it_defines():
    assert set(contract.OPERATIONS.values()) == set(SPECS.values())
    assert all(contract.OPERATIONS[spec.name] is spec for spec in SPECS.values())


def test_each_spec_is_the_audit_operation_of_the_same_name():
    for name, spec in SPECS.items():
        assert AuditEntry.Operation[name].value == spec.name
        assert AuditEntry.Operation[name].label == spec.name


def test_the_audit_records_no_revcent_operation_the_contract_lacks():
    assert {op.value for op in AUDITED} == set(contract.OPERATIONS)


def test_the_timeline_has_words_for_every_revcent_operation():
    assert set(CALL_WORDS) == AUDITED
