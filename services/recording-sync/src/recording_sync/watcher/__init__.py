"""The local Zoom folder watcher (seed 003's file monitoring), in two forms sharing one core.

Zoom's local recordings (a teacher's computer, a lecture-hall PC) land in a folder per meeting,
named with its date, time, topic and meeting id. The core (:mod:`.engine`) notices new files
(watchdog events and a periodic rescan), waits until each is complete (:mod:`.settle`), reads
the meeting from its path (:mod:`.layout`), has a *sink* match it to a session and upload it,
and remembers what it sent in a *ledger* (:mod:`.ledger`) so a restart never sends a file twice.

- **In the service** (:mod:`.control`, :mod:`.service_sink`): a folder mounted on the
  recording-sync host, under ``WATCHER_ROOT``, controlled by platform operators through the API;
  files go straight into the storage pipeline and become recordings with source LOCAL_FOLDER,
  the ledger is the ``watched_files`` table.
- **As an agent** (:mod:`.agent`): ``python -m recording_sync watch PATH --edge URL`` on a
  teacher's computer; it asks the edge which of the teacher's sessions a folder is, and uploads
  through the edge's tus resumable upload API; its ledger is a JSON file in its state folder.
"""
