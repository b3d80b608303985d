// perf/dom_reader.cc - the minimal simdjson DOM reader, the baseline of
// `tally summary` on one core (perf/reader_vs_dom.sh): for each file, load
// it and parse it with simdjson's DOM parser (its kernels chosen at run
// time), and count the results of every run. Prints the files, bytes and
// results read and the seconds taken; exit 1 when a file does not parse.
#include <simdjson.h>

#include <chrono>
#include <cstdio>

int
main(int argc, char **argv)
{
	simdjson::dom::parser parser;
	size_t bytes = 0, results = 0;
	auto t0 = std::chrono::steady_clock::now();

	for (int i = 1; i < argc; i++) {
		simdjson::dom::element doc;
		simdjson::dom::array runs;
		auto err = parser.load(argv[i]).get(doc);

		if (!err)
			err = doc["runs"].get_array().get(runs);
		if (err) {
			std::fprintf(stderr, "dom_reader: %s: %s\n", argv[i],
			    simdjson::error_message(err));
			return 1;
		}
		for (simdjson::dom::element run : runs) {
			simdjson::dom::array res;

			if (!run["results"].get_array().get(res))
				results += res.size();
		}
		std::FILE *f = std::fopen(argv[i], "rb");
		if (f != nullptr) {
			std::fseek(f, 0, SEEK_END);
			bytes += (size_t)std::ftell(f);
			std::fclose(f);
		}
	}
	double s = std::chrono::duration<double>(
	    std::chrono::steady_clock::now() - t0).count();
	std::printf("dom_reader: %d files, %zu bytes, %zu results in %.3f s = "
	    "%.1f MB/s (simdjson " SIMDJSON_STRINGIFY(SIMDJSON_VERSION)
	    ", %s)\n", argc - 1, bytes, results, s, bytes / s / 1e6,
	    simdjson::get_active_implementation()->name().c_str());
	return 0;
}
