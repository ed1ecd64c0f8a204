package flinkform.jobs;

import java.io.File;
import java.io.FileWriter;
import java.io.IOException;
import java.io.Writer;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * A streaming job with keyed state whose output proves whether a restore kept the state.
 *
 * <p>One source (parallelism 1) emits the sequence 0, 1, 2, ... at RATE records per second;
 * record n belongs to key n % KEYS. The counter (the job's parallelism) keeps, per key, how many
 * records it has seen in a ValueState, and appends one line per record to
 * OUT_DIR/&lt;job id&gt;-&lt;subtask&gt;.txt: "seq key count".
 *
 * <p>Because the source's position and the counts are both in the job's state, every line
 * satisfies count == seq / KEYS + 1, across any number of restores from a savepoint or a
 * checkpoint. A job started without state starts again at seq 0; a job restored with the source
 * position but without the counts breaks the equation.
 *
 * <p>Arguments: OUT_DIR [RATE (default 20)] [KEYS (default 4)]. Checkpoints every second.
 *
 * <p>Slow snapshots, for tests of savepoints that take long: while the file
 * OUT_DIR/slow-snapshots exists, every snapshot (checkpoint or savepoint) of the counter waits
 * until the file is removed (polling every 100 ms, at most 10 minutes), so a savepoint stays in
 * progress as long as the test wants and completes soon after the file goes. The wait only
 * delays the snapshot; the state it takes, and so the count == seq / KEYS + 1 property, is
 * unchanged. A cancel interrupts the wait.
 */
public class StatefulCounter {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: StatefulCounter OUT_DIR [RATE] [KEYS]");
        }
        final String outDir = args[0];
        final double rate = args.length > 1 ? Double.parseDouble(args[1]) : 20.0;
        final long keys = args.length > 2 ? Long.parseLong(args[2]) : 4L;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(1000);

        DataGeneratorSource<Long> source = new DataGeneratorSource<>(
                seq -> seq, Long.MAX_VALUE, RateLimiterStrategy.perSecond(rate), Types.LONG);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
                .uid("sequence")
                .setParallelism(1)
                .keyBy(seq -> seq % keys)
                .process(new Counter(outDir))
                .uid("counter")
                .name("counter")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
        env.execute("stateful-counter");
    }

    /** Counts records per key and writes "seq key count" lines. */
    static class Counter extends KeyedProcessFunction<Long, Long, String>
            implements CheckpointedFunction {
        /** The longest a snapshot waits for the slow-snapshots marker to go. */
        private static final long MAX_SLOW_SNAPSHOT_MS = 10 * 60 * 1000L;
        private final String outDir;
        private transient ValueState<Long> count;
        private transient Writer out;

        Counter(String outDir) {
            this.outDir = outDir;
        }

        @Override
        public void open(OpenContext context) throws IOException {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            new File(outDir).mkdirs();
            String job = getRuntimeContext().getJobInfo().getJobId().toString();
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            out = new FileWriter(new File(outDir, job + "-" + subtask + ".txt"), true);
        }

        @Override
        public void processElement(Long seq, Context ctx, Collector<String> collector)
                throws IOException {
            Long previous = count.value();
            long next = previous == null ? 1 : previous + 1;
            count.update(next);
            out.write(seq + " " + ctx.getCurrentKey() + " " + next + "\n");
            out.flush();
        }

        /** Waits while OUT_DIR/slow-snapshots exists (see the class comment). */
        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            File marker = new File(outDir, "slow-snapshots");
            long deadline = System.currentTimeMillis() + MAX_SLOW_SNAPSHOT_MS;
            while (marker.exists() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
        }

        /** The counts are keyed state, registered in open(): nothing to initialize here. */
        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }
}
