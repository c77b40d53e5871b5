import { describe, expect, it } from "vitest";
import {
  GpuCollector,
  NVIDIA_SMI_ARGS,
  parseNvidiaSmi,
  parseRocmSmi,
  ROCM_SMI_ARGS,
  type ToolRunner,
} from "./gpu.js";

// `nvidia-smi --query-gpu=index,name,memory.total,memory.free,utilization.gpu,temperature.gpu
//  --format=csv,noheader,nounits` on a two-GPU workstation (MiB, %, °C).
const NVIDIA_TWO_GPUS =
  "0, NVIDIA GeForce RTX 4090, 24564, 23880, 3, 41\n1, NVIDIA GeForce RTX 3090, 24576, 1210, 97, 78\n";

// A MIG-enabled A100 (no utilization), and a unified-memory GB10 (no dedicated VRAM).
const NVIDIA_NOT_AVAILABLE =
  "0, NVIDIA A100-SXM4-80GB, 81920, 81485, [N/A], 33\n1, NVIDIA GB10, [N/A], [N/A], 0, 45\n2, Tesla K80, 11441, 11379, [Not Supported], [Not Supported]\n";

// What nvidia-smi prints (on stdout) when the driver is not loaded.
const NVIDIA_NO_DRIVER =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n";

// `rocm-smi --showproductname --showmeminfo vram --showuse --showtemp --json` (ROCm 6.x): string
// values, VRAM in bytes, one entry per card, and a Radeon with no "Card Series" of its own.
const ROCM_TWO_CARDS = JSON.stringify({
  card0: {
    "Temperature (Sensor edge) (C)": "35.0",
    "Temperature (Sensor junction) (C)": "36.0",
    "Temperature (Sensor memory) (C)": "42.0",
    "GPU use (%)": "3",
    "GFX Activity": "1180937410",
    "Card Series": "N/A",
    "Card Model": "0x7551",
    "Card Vendor": "Advanced Micro Devices, Inc. [AMD/ATI]",
    "Card SKU": "APM107573",
    "Subsystem ID": "0x0e0b",
    "Device Rev": "0xc0",
    "Node ID": "1",
    GUID: "24403",
    "GFX Version": "gfx1201",
    "VRAM Total Memory (B)": "34208743424",
    "VRAM Total Used Memory (B)": "29225381888",
  },
  card1: {
    "Temperature (Sensor edge) (C)": "39.0",
    "GPU use (%)": "0",
    "Card Series": "Radeon RX 7900 XTX",
    "Card Model": "0x744c",
    "Card Vendor": "Advanced Micro Devices, Inc. [AMD/ATI]",
    "Card SKU": "D70301",
    "GFX Version": "gfx1100",
    "VRAM Total Memory (B)": "25753026560",
    "VRAM Total Used Memory (B)": "1073741824",
  },
});

// ROCm 5.x: lower-case "Card series", an Instinct without an edge sensor, cards out of order,
// a "system" entry, and a warning line printed before the JSON.
const ROCM_OLDER = `WARNING: Unlocked monitor_devices lock; it should have already been unlocked.
${JSON.stringify({
  system: { "Driver version": "6.7.0" },
  card1: {
    "Card series": "Instinct MI210",
    "Card model": "0x0c34",
    "GPU use (%)": "100",
    "Temperature (Sensor junction) (C)": "71.0",
    "VRAM Total Memory (B)": "68702699520",
    "VRAM Total Used Memory (B)": "68702699520",
  },
  card0: {
    "Card series": "Instinct MI210",
    "GPU use (%)": "0",
    "Temperature (Sensor junction) (C)": "40.0",
    "VRAM Total Memory (B)": "68702699520",
    "VRAM Total Used Memory (B)": "11010048",
  },
})}`;

describe("parseNvidiaSmi", () => {
  it("reads one GPU per line, memory in MiB", () => {
    expect(parseNvidiaSmi(NVIDIA_TWO_GPUS)).toEqual([
      {
        index: 0,
        name: "NVIDIA GeForce RTX 4090",
        vendor: "nvidia",
        vramTotalMb: 24564,
        vramFreeMb: 23880,
        utilizationPct: 3,
        temperatureC: 41,
      },
      {
        index: 1,
        name: "NVIDIA GeForce RTX 3090",
        vendor: "nvidia",
        vramTotalMb: 24576,
        vramFreeMb: 1210,
        utilizationPct: 97,
        temperatureC: 78,
      },
    ]);
  });

  it("reports [N/A] and [Not Supported] fields as null, keeping the others", () => {
    const gpus = parseNvidiaSmi(NVIDIA_NOT_AVAILABLE);
    expect(
      gpus.map((gpu) => [gpu.name, gpu.vramTotalMb, gpu.vramFreeMb, gpu.utilizationPct, gpu.temperatureC]),
    ).toEqual([
      ["NVIDIA A100-SXM4-80GB", 81920, 81485, null, 33],
      ["NVIDIA GB10", null, null, 0, 45],
      ["Tesla K80", 11441, 11379, null, null],
    ]);
  });

  it("reads Windows line endings", () => {
    expect(parseNvidiaSmi(NVIDIA_TWO_GPUS.replaceAll("\n", "\r\n"))).toHaveLength(2);
  });

  it("keeps a name with a comma whole, the numbers being the last four fields", () => {
    expect(parseNvidiaSmi("0, Quadro RTX 8000, Rev. A, 46080, 46000, 0, 30")[0]).toMatchObject({
      name: "Quadro RTX 8000, Rev. A",
      vramTotalMb: 46080,
      temperatureC: 30,
    });
  });

  it("finds no GPU in an error message or empty output", () => {
    expect(parseNvidiaSmi(NVIDIA_NO_DRIVER)).toEqual([]);
    expect(parseNvidiaSmi("")).toEqual([]);
  });
});

describe("parseRocmSmi", () => {
  it("reads every cardN entry, VRAM from bytes to MiB, free = total - used", () => {
    expect(parseRocmSmi(ROCM_TWO_CARDS)).toEqual([
      {
        index: 0,
        name: "0x7551",
        vendor: "amd",
        vramTotalMb: 32624,
        vramFreeMb: 4752,
        utilizationPct: 3,
        temperatureC: 35,
      },
      {
        index: 1,
        name: "Radeon RX 7900 XTX",
        vendor: "amd",
        vramTotalMb: 24560,
        vramFreeMb: 23536,
        utilizationPct: 0,
        temperatureC: 39,
      },
    ]);
  });

  it("reads older releases: lower-case keys, junction temperature, a system entry, a warning first", () => {
    const gpus = parseRocmSmi(ROCM_OLDER);
    expect(
      gpus.map((gpu) => [gpu.index, gpu.name, gpu.vramFreeMb, gpu.utilizationPct, gpu.temperatureC]),
    ).toEqual([
      [0, "Instinct MI210", 65509, 0, 40],
      [1, "Instinct MI210", 0, 100, 71],
    ]);
  });

  it("names a card without a product name by its index, and leaves missing readings null", () => {
    expect(parseRocmSmi('{"card3": {"GPU use (%)": "5"}}')).toEqual([
      {
        index: 3,
        name: "AMD GPU 3",
        vendor: "amd",
        vramTotalMb: null,
        vramFreeMb: null,
        utilizationPct: 5,
        temperatureC: null,
      },
    ]);
  });

  it.each([
    ["no JSON at all", "ERROR: No AMD GPUs specified"],
    ["broken JSON", '{"card0": {'],
    ["an array", "[]"],
    ["no card", '{"system": {"Driver version": "6.7.0"}}'],
  ])("finds no GPU in %s", (_what, output) => {
    expect(parseRocmSmi(output)).toEqual([]);
  });
});

describe("GpuCollector", () => {
  function runner(outputs: Record<string, string | NodeJS.ErrnoException>) {
    const calls: string[] = [];
    const run: ToolRunner = async (file, args) => {
      calls.push(`${file} ${args.join(" ")}`);
      const output = outputs[file];
      if (output === undefined || output instanceof Error)
        throw output ?? Object.assign(new Error("spawn"), { code: "ENOENT" });
      return output;
    };
    return { run, calls };
  }

  it("runs both tools with the documented arguments and reports the GPUs of both", async () => {
    const { run, calls } = runner({ "nvidia-smi": NVIDIA_TWO_GPUS, "rocm-smi": ROCM_TWO_CARDS });
    const gpus = await new GpuCollector({ run }).collect();
    expect(gpus.map((gpu) => gpu.vendor)).toEqual(["nvidia", "nvidia", "amd", "amd"]);
    expect(calls).toEqual([`nvidia-smi ${NVIDIA_SMI_ARGS.join(" ")}`, `rocm-smi ${ROCM_SMI_ARGS.join(" ")}`]);
  });

  it("reports no GPU when neither tool is installed, and stops looking for them", async () => {
    const { run, calls } = runner({});
    const collector = new GpuCollector({ run });
    expect(await collector.collect()).toEqual([]);
    expect(await collector.collect()).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it("reports no GPU from a tool that fails, tells once, and tries again next time", async () => {
    const failure = Object.assign(new Error("Command failed: nvidia-smi"), { code: 9 as unknown as string });
    const { run, calls } = runner({ "nvidia-smi": failure });
    const errors: string[] = [];
    const collector = new GpuCollector({ run, onToolError: (tool) => errors.push(tool) });
    expect(await collector.collect()).toEqual([]);
    expect(await collector.collect()).toEqual([]);
    expect(errors).toEqual(["nvidia-smi"]);
    expect(calls.filter((call) => call.startsWith("nvidia-smi"))).toHaveLength(2);
  });

  it("reports no GPU when the tool is missing on this very machine (real execFile)", async () => {
    const gpus = await new GpuCollector({
      run: (_file, args, timeoutMs) =>
        import("./gpu.js").then(({ execTool }) => execTool("hydra-no-such-tool", args, timeoutMs)),
    }).collect();
    expect(gpus).toEqual([]);
  });
});
