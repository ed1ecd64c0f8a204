# A local Flink session cluster and a stateful streaming job on it.
#
# The cluster runs as processes on this machine, from the Flink distribution in FLINK_HOME
# (scripts/setup-flink.sh installs one and prints its path); its configuration, logs,
# checkpoints and savepoints live under .flinkform/flink-8081 here. The job is the repository's
# example job (tests/flink_jobs, built by scripts/quickstart.sh into out/jobs.jar): it counts
# records per key in keyed state and writes "seq key count" lines under out/counts.
#
# Change the job and apply: the plan says how the change runs, e.g.
#   ~ parallelism = 1 -> 2  (restart from savepoint)
# and the counts carry on from the savepoint.
#
#   flinkform --chdir examples/quickstart apply --var counter_parallelism=2

variable "counter_parallelism" {
  description = "Parallelism of the counter job; a change restarts it from a savepoint."
  type        = number
  default     = 1
}

resource "flink_cluster" "local" {
  flink_conf = {
    "execution.checkpointing.interval" = "10s"
  }

  local {
    rest_port = 8081

    taskmanager {
      count = 1
      slots = 2
    }
  }
}

resource "flink_job" "counter" {
  cluster_url = flink_cluster.local.rest_url
  name        = "quickstart-counter"
  jar         = "${path.module}/out/jobs.jar"
  entry_class = "flinkform.jobs.StatefulCounter"
  args        = ["${abspath(path.module)}/out/counts", "20"]
  parallelism = var.counter_parallelism
}

output "flink_rest_url" {
  value = flink_cluster.local.rest_url
}

output "counter_job" {
  value = {
    job_id        = flink_job.counter.job_id
    status        = flink_job.counter.status
    restored_from = flink_job.counter.restored_from
  }
}
