package flinkform.jobs;

import java.io.File;
import java.io.FileWriter;
import java.io.IOException;
import java.io.Writer;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A batch job: sums 1..N per key (n % 3) and writes "key sum" lines to
 * OUT_DIR/&lt;job id&gt;-&lt;subtask&gt;.txt. With FAIL_AT &gt; 0 it throws on that record
 * instead, with the message "poisoned record FAIL_AT", to test how a failed batch job is
 * reported.
 *
 * <p>Arguments: OUT_DIR [N (default 1000)] [FAIL_AT (default 0: never)].
 */
public class BatchSum {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: BatchSum OUT_DIR [N] [FAIL_AT]");
        }
        final String outDir = args[0];
        final long n = args.length > 1 ? Long.parseLong(args[1]) : 1000L;
        final long failAt = args.length > 2 ? Long.parseLong(args[2]) : 0L;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.fromSequence(1, n)
                .map(v -> {
                    if (v == failAt) {
                        throw new IllegalStateException("poisoned record " + v);
                    }
                    return Tuple2.of(v % 3, v);
                })
                .returns(Types.TUPLE(Types.LONG, Types.LONG))
                .keyBy(t -> t.f0)
                .sum(1)
                .map(new Write(outDir))
                .sinkTo(new DiscardingSink<>());
        env.execute("batch-sum");
    }

    /** Writes each final (key, sum) as a line. */
    static class Write extends RichMapFunction<Tuple2<Long, Long>, String> {
        private final String outDir;
        private transient Writer out;

        Write(String outDir) {
            this.outDir = outDir;
        }

        @Override
        public void open(OpenContext context) throws IOException {
            new File(outDir).mkdirs();
            String job = getRuntimeContext().getJobInfo().getJobId().toString();
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            out = new FileWriter(new File(outDir, job + "-" + subtask + ".txt"), true);
        }

        @Override
        public String map(Tuple2<Long, Long> t) throws IOException {
            String line = t.f0 + " " + t.f1;
            out.write(line + "\n");
            out.flush();
            return line;
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }
}
