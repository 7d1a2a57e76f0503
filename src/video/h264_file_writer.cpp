#include "video/h264_file_writer.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stylecam {
namespace {

std::string av_error_text(int error) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(error, text, sizeof text);
    return text;
}

}  // namespace

struct H264FileWriter::State {
    std::string path;
    AVFormatContext* format = nullptr;
    AVCodecContext* codec = nullptr;
    AVStream* stream = nullptr;
    AVFrame* frame = nullptr;
    AVPacket* packet = nullptr;
    cv::Mat yuv;              // I420: the Y plane, then U, then V, each row-contiguous
    int64_t last_pts = -1;    ///< the previous frame's time (-1: none yet)
    int64_t frame_ticks = 1;  ///< one nominal frame interval in codec time-base units
    bool timestamped = false;
    bool header_written = false;
    bool closed = false;

    void check(int result, const char* what) const {
        STYLECAM_CHECK(result >= 0, path, ": ", what, " failed (", av_error_text(result), ")");
    }

    /// Sends `input` (nullptr: drain) and writes every packet the encoder has ready.
    void encode(const AVFrame* input) {
        check(avcodec_send_frame(codec, input), "encoding a frame");
        for (;;) {
            const int result = avcodec_receive_packet(codec, packet);
            if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
            check(result, "encoding a frame");
            av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
            packet->stream_index = stream->index;
            check(av_interleaved_write_frame(format, packet), "writing a frame");
        }
    }

    void release() {
        if (format && format->pb && !(format->oformat->flags & AVFMT_NOFILE))
            avio_closep(&format->pb);
        av_packet_free(&packet);
        av_frame_free(&frame);
        avcodec_free_context(&codec);
        avformat_free_context(format);
        format = nullptr;
    }

    ~State() { release(); }
};

H264FileWriter::H264FileWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

H264FileWriter::~H264FileWriter() {
    try {
        close();
    } catch (const std::exception&) {  // the file stays as far as it got
    }
}

std::unique_ptr<H264FileWriter> H264FileWriter::open(const std::string& path, cv::Size size,
                                                     double fps, bool timestamped) {
    // x264 reports its settings and statistics at FFmpeg's default log level; our errors are
    // one line each (the same choice video_file makes for OpenCV's FFmpeg backend).
    av_log_set_level(AV_LOG_QUIET);
    const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
    if (!encoder || size.width <= 0 || size.height <= 0 || size.width % 2 || size.height % 2 ||
        !(fps > 0))
        return nullptr;
    auto state = std::make_unique<State>();
    state->path = path;
    if (avformat_alloc_output_context2(&state->format, nullptr, nullptr, path.c_str()) < 0 ||
        !state->format)
        return nullptr;

    state->stream = avformat_new_stream(state->format, nullptr);
    state->codec = avcodec_alloc_context3(encoder);
    state->frame = av_frame_alloc();
    state->packet = av_packet_alloc();
    STYLECAM_CHECK(state->stream && state->codec && state->frame && state->packet, path,
                   ": out of memory for the video encoder");
    AVCodecContext& codec = *state->codec;
    const AVRational rate = av_d2q(fps, 100000);
    codec.width = size.width;
    codec.height = size.height;
    codec.pix_fmt = AV_PIX_FMT_YUV420P;
    codec.time_base = timestamped ? AVRational{1, 90000} : av_inv_q(rate);
    codec.framerate = rate;
    state->timestamped = timestamped;
    state->frame_ticks = timestamped ? std::max<int64_t>(1, std::llround(90000.0 / fps)) : 1;
    codec.color_range = AVCOL_RANGE_MPEG;
    codec.colorspace = AVCOL_SPC_SMPTE170M;
    // One encoder thread: in a pipeline the other cores are already busy with the network.
    codec.thread_count = 1;
    if (state->format->oformat->flags & AVFMT_GLOBALHEADER)
        codec.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* options = nullptr;
    av_dict_set(&options, "preset", "veryfast", 0);
    av_dict_set(&options, "crf", "23", 0);
    const int opened = avcodec_open2(state->codec, encoder, &options);
    av_dict_free(&options);
    state->check(opened, "starting the H.264 encoder");
    state->check(avcodec_parameters_from_context(state->stream->codecpar, state->codec),
                 "setting up the video stream");
    state->stream->time_base = codec.time_base;
    state->stream->avg_frame_rate = rate;

    if (!(state->format->oformat->flags & AVFMT_NOFILE)) {
        const int created = avio_open(&state->format->pb, path.c_str(), AVIO_FLAG_WRITE);
        STYLECAM_CHECK(created >= 0, path, ": cannot create the file (", av_error_text(created),
                       ")");
    }
    state->check(avformat_write_header(state->format, nullptr), "writing the file header");
    state->header_written = true;

    state->frame->format = AV_PIX_FMT_YUV420P;
    state->frame->width = size.width;
    state->frame->height = size.height;
    state->check(av_frame_get_buffer(state->frame, 0), "allocating a frame");
    return std::unique_ptr<H264FileWriter>(new H264FileWriter(std::move(state)));
}

void H264FileWriter::write(const cv::Mat& bgr, double seconds) {
    State& state = *state_;
    STYLECAM_CHECK(!state.closed, state.path, ": video writer is closed");
    const int width = state.codec->width, height = state.codec->height;
    STYLECAM_CHECK(bgr.type() == CV_8UC3 && bgr.cols == width && bgr.rows == height, state.path,
                   ": frame does not match the video's size or type");
    cv::cvtColor(bgr, state.yuv, cv::COLOR_BGR2YUV_I420);
    state.check(av_frame_make_writable(state.frame), "preparing a frame");
    // I420 from OpenCV: height rows of Y, then height/2 rows of width/2 U, then the same of V.
    const uint8_t* source = state.yuv.data;
    const int plane_widths[3] = {width, width / 2, width / 2};
    const int plane_heights[3] = {height, height / 2, height / 2};
    for (int plane = 0; plane < 3; ++plane) {
        for (int row = 0; row < plane_heights[plane]; ++row) {
            std::memcpy(state.frame->data[plane] + row * state.frame->linesize[plane], source,
                        static_cast<size_t>(plane_widths[plane]));
            source += plane_widths[plane];
        }
    }
    // A timed frame goes at its own time, kept after the previous frame; any other frame one
    // nominal interval after the previous (1 tick for a constant-rate writer), the first at 0.
    const bool timed = state.timestamped && seconds >= 0;
    const int64_t pts =
        timed ? std::max(state.last_pts + 1, static_cast<int64_t>(std::llround(seconds * 90000.0)))
              : (state.last_pts < 0 ? 0 : state.last_pts + state.frame_ticks);
    state.frame->pts = pts;
    state.last_pts = pts;
    state.encode(state.frame);
}

void H264FileWriter::close() {
    State& state = *state_;
    if (state.closed) return;
    state.closed = true;
    try {
        state.encode(nullptr);
        state.check(av_write_trailer(state.format), "writing the file's index");
    } catch (...) {
        state.release();
        throw;
    }
    state.release();
}

}  // namespace stylecam
