"""
A fix for a bug of moto 5.2.1, the AWS emulator the tests run: test/support/moto.ts starts
moto_server with this folder on PYTHONPATH, so Python imports this module as it starts.

The bug: ExecuteChangeSet of an UPDATE change set applies its resources but leaves the stack
as it was otherwise: DescribeStacks still shows the Outputs (and GetTemplateSummary the
parameters) of the old template. UpdateStack rebuilds them (moto's Stack.update), and so does
real CloudFormation for either call. In moto, a Solo compute stack converted by its reviewed
change set would keep its Solo outputs, and a runbook that checks for the Production outputs
would fail where it passes on AWS. The fix makes the change set's execution finish the way
UpdateStack does; the runbooks are checked as they are.

The patch waits for moto to import its CloudFormation models (on the first CloudFormation
request): importing them here would slow every moto's start by a second or more.
This module takes the place of a sitecustomize of the interpreter itself, if it has one
(Debian's enables apport's crash reports, which moto does not need).
"""

import importlib.abc
import importlib.util
import sys

MODELS = "moto.cloudformation.models"


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


class PatchModelsOnImport(importlib.abc.MetaPathFinder):
    """Finds moto's CloudFormation models as usual, and patches them once they are loaded."""

    def find_spec(self, name, path=None, target=None):
        if name != MODELS:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            rebuild_stack_after_execution(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, PatchModelsOnImport())
