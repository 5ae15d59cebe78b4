/** Requests with tools and tool-call transcripts, the same for every provider (only the model changes). */
import type { UnifiedRequest } from "batch-router";

export const WEATHER_TOOL = {
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    additionalProperties: false,
    properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["celsius", "fahrenheit", null] } },
    required: ["city", "unit"],
  },
};

const TIME_TOOL = { name: "get_time", parameters: { type: "object", properties: {} } };

export function toolRequests(model: string, options: { parallelSwitch?: boolean } = {}): UnifiedRequest[] {
  const parallel = options.parallelSwitch === false ? {} : { parallelToolCalls: false };
  return [
    { customId: "tools-auto", model, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [WEATHER_TOOL, TIME_TOOL], toolChoice: "auto" },
    { customId: "tools-named", model, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [{ ...WEATHER_TOOL, strict: true }], toolChoice: { name: "get_weather" }, ...parallel },
    { customId: "tools-required", model, messages: [{ role: "user", content: "What time is it?" }], tools: [WEATHER_TOOL, TIME_TOOL], toolChoice: "required" },
    { customId: "tools-none", model, messages: [{ role: "user", content: "Hi" }], tools: [TIME_TOOL], toolChoice: "none" },
    {
      customId: "transcript",
      model,
      systemPrompt: "You use tools.",
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        { role: "user", content: "Weather in Paris and the time?" },
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "Two calls.", signature: "EqoBCkgIARABGAIiQL" },
            { type: "text", text: "Checking." },
            { type: "tool_call", id: "toolu_01A", name: "get_weather", arguments: { city: "Paris", unit: null } },
            { type: "tool_call", id: "call_02-b", name: "get_time", arguments: {} },
          ],
        },
        {
          role: "tool",
          content: [
            { type: "tool_result", toolCallId: "toolu_01A", content: "18°C" },
            { type: "tool_result", toolCallId: "call_02-b", content: [{ type: "text", text: "timeout" }], isError: true },
          ],
        },
        { role: "user", content: "And tomorrow?" },
      ],
    },
  ];
}
