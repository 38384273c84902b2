"""The HTTP API: thin routes over services that start and message workflows."""
