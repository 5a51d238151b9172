// Small builders for protobuf values the translator writes everywhere: durations, percentages, addresses,
// typed_config Anys, the ADS config source.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { type Any, anyPack, type Duration, DurationSchema } from '@bufbuild/protobuf/wkt';
import {
  type Address,
  AddressSchema,
  SocketAddressSchema,
} from '../../generated/envoy/config/core/v3/address_pb.js';
import {
  AggregatedConfigSourceSchema,
  ApiVersion,
  type ConfigSource,
  ConfigSourceSchema,
} from '../../generated/envoy/config/core/v3/config_source_pb.js';
import {
  type FractionalPercent,
  FractionalPercent_DenominatorType,
  FractionalPercentSchema,
} from '../../generated/envoy/type/v3/percent_pb.js';

export function durationOf(ms: number): Duration {
  const whole = Math.floor(ms / 1000);
  return create(DurationSchema, { seconds: BigInt(whole), nanos: Math.round((ms - whole * 1000) * 1e6) });
}

/** Istio's Percent (0..100, fractional) as a FractionalPercent per million, as Istio writes it. */
export function percentOf(value: number): FractionalPercent {
  return create(FractionalPercentSchema, {
    numerator: Math.round(value * 10_000),
    denominator: FractionalPercent_DenominatorType.MILLION,
  });
}

export function socketAddress(address: string, port: number): Address {
  return create(AddressSchema, {
    address: {
      case: 'socketAddress',
      value: create(SocketAddressSchema, { address, portSpecifier: { case: 'portValue', value: port } }),
    },
  });
}

export function pack<Desc extends DescMessage>(schema: Desc, init: MessageShape<Desc>): Any {
  return anyPack(schema, init);
}

/** `ads: {}` with resource API v3: every dynamic resource comes over the same ADS stream. */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    resourceApiVersion: ApiVersion.V3,
    configSourceSpecifier: { case: 'ads', value: create(AggregatedConfigSourceSchema, {}) },
  });
}
