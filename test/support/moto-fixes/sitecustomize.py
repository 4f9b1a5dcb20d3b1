"""
Fixes for two bugs of moto 5.2.1, the AWS emulator the tests run: test/support/moto.ts starts
moto_server with this folder on PYTHONPATH, so Python imports this module as it starts.

The first bug: ExecuteChangeSet of an UPDATE change set applies its resources but leaves the stack
as it was otherwise: DescribeStacks still shows the Outputs (and GetTemplateSummary the
parameters) of the old template. UpdateStack rebuilds them (moto's Stack.update), and so does
real CloudFormation for either call. In moto, a Solo compute stack converted by its reviewed
change set would keep its Solo outputs, and a runbook that checks for the Production outputs
would fail where it passes on AWS. The fix makes the change set's execution finish the way
UpdateStack does; the runbooks are checked as they are.

The second bug: moto's recorder appends each request to its recording from the request's own
thread, without a lock. Two requests over 8 KiB that arrive at once (a template upload and a
stack creation, say) can interleave their lines, and the tests, which read the recording to
prove that a dry-run sent no write, must then fail: a garbled line could hide a write. The
fix writes one request at a time.

Each patch waits for moto to import the module it mends: importing moto's CloudFormation
models here would slow every moto's start by a second or more.
This module takes the place of a sitecustomize of the interpreter itself, if it has one
(Debian's enables apport's crash reports, which moto does not need).
"""

import importlib.abc
import importlib.util
import sys
import threading


def rebuild_stack_after_execution(models):
    apply_resources = models.ChangeSet.apply

    def apply(change_set):
        apply_resources(change_set)
        if change_set.change_set_type != "UPDATE":
            return
        # what Stack.update does besides updating the resources and adding the events
        stack = change_set.stack
        stack.template = change_set.template
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        if change_set.parameters:
            stack.parameters = change_set.parameters

    models.ChangeSet.apply = apply


def record_one_request_at_a_time(models):
    record_request = models.Recorder._record_request
    writing = threading.Lock()

    def _record_request(recorder, request, body=None):
        with writing:
            record_request(recorder, request, body)

    models.Recorder._record_request = _record_request


PATCHES = {
    "moto.cloudformation.models": rebuild_stack_after_execution,
    "moto.moto_api._internal.recorder.models": record_one_request_at_a_time,
}


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds the modules to mend as usual, and patches each once it is loaded."""

    def __init__(self):
        self.waiting = dict(PATCHES)

    def find_spec(self, name, path=None, target=None):
        patch = self.waiting.pop(name, None)
        if patch is None:
            return None
        spec = self.find_without_me(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec

    def find_without_me(self, name):
        sys.meta_path.remove(self)
        try:
            return importlib.util.find_spec(name)
        finally:
            if self.waiting:
                sys.meta_path.insert(0, self)


sys.meta_path.insert(0, PatchOnImport())
