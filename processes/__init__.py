"""The procedure: the workflow engine (the only SpiffWorkflow importer) and the operations on cases."""
